package dev.rotcal.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** rotcal's version, from the pom.properties Maven packs into the jar ("dev" when run from classes). */
public final class RotcalVersion {
    private static final String POM_PROPERTIES = "/META-INF/maven/dev.rotcal/rotcal-jobs/pom.properties";

    private RotcalVersion() {
    }

    public static String get() {
        try (InputStream in = RotcalVersion.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in == null) {
                return "dev";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
