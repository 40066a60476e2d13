package dev.rotcal.jobs.testing;

import static dev.rotcal.Checks.checkArgument;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What Maven built and resolved for the integration tests, passed by Failsafe as system properties (jobs/pom.xml):
 * the shaded jar, the probe jar (test classes of dev.rotcal.jobs.testing.probe), the jars that play the part of
 * a Spark distribution's jars/ folder, Spark's Java 17 options, and a folder under target/ for the tests' files.
 *
 * <p>The distribution jars are the runtime classpath Maven wrote to target/launcher.classpath (Spark's provided
 * jars included) without rotcal's own module jars, so drivers and executors load rotcal classes only from the
 * jar that was submitted, as on a real cluster.
 *
 * @param shadedJar        rotcal-jobs-*-shaded.jar, the application jar
 * @param probeJar         rotcal-jobs-*-probe.jar, for {@code --jars} (holds {@code ClusterProbe})
 * @param distributionJars Spark and the libraries beside it, as SPARK_HOME/jars would hold them
 * @param sparkJavaOptions Spark's --add-opens list for a JVM that hosts a SparkContext on Java 17
 * @param workDir          where clusters and submissions keep their files (target/it)
 */
public record IntegrationBuild(Path shadedJar, Path probeJar, List<Path> distributionJars,
                               List<String> sparkJavaOptions, Path workDir) {
    public static final String SHADED_JAR_PROPERTY = "rotcal.test.shaded.jar";
    public static final String PROBE_JAR_PROPERTY = "rotcal.test.probe.jar";
    public static final String LAUNCHER_CLASSPATH_PROPERTY = "rotcal.test.launcher.classpath";
    public static final String JAVA_OPTIONS_PROPERTY = "rotcal.test.spark.java17.options";
    public static final String WORK_DIR_PROPERTY = "rotcal.test.work.dir";

    public IntegrationBuild {
        distributionJars = List.copyOf(distributionJars);
        sparkJavaOptions = List.copyOf(sparkJavaOptions);
    }

    /** Reads the paths Failsafe passes; fails with a hint when a test runs outside `mvn verify`. */
    public static IntegrationBuild fromSystemProperties() throws IOException {
        Path shadedJar = existingFile(SHADED_JAR_PROPERTY);
        Path probeJar = existingFile(PROBE_JAR_PROPERTY);
        Path classpathFile = existingFile(LAUNCHER_CLASSPATH_PROPERTY);
        List<Path> jars = Arrays.stream(Files.readString(classpathFile, StandardCharsets.UTF_8).trim().split(":"))
                .filter(entry -> !entry.isBlank())
                .map(Paths::get)
                .filter(IntegrationBuild::isThirdPartyJar)
                .collect(Collectors.toList());
        checkArgument(jars.stream().anyMatch(jar -> jar.getFileName().toString().startsWith("spark-core_")),
                "Cannot use %s as a Spark distribution: it lists no spark-core jar (jobs/pom.xml writes it with "
                        + "maven-dependency-plugin build-classpath, includeScope compile, which includes provided)",
                classpathFile);
        String options = property(JAVA_OPTIONS_PROPERTY);
        Path workDir = Files.createDirectories(Paths.get(property(WORK_DIR_PROPERTY)));
        return new IntegrationBuild(shadedJar, probeJar, jars, List.of(options.trim().split("\\s+")), workDir);
    }

    /** The distribution jars as a classpath string. */
    public String distributionClasspath() {
        return distributionJars.stream().map(Path::toString).collect(Collectors.joining(":"));
    }

    private static boolean isThirdPartyJar(Path entry) {
        String name = entry.getFileName().toString();
        return name.endsWith(".jar") && !name.startsWith("rotcal-") && Files.isRegularFile(entry);
    }

    private static Path existingFile(String key) {
        Path path = Paths.get(property(key));
        checkArgument(Files.isRegularFile(path), "Cannot run the integration tests: system property %s is '%s', "
                + "which is not a file (run them through Maven after packaging: mvn -B verify)", key, path);
        return path;
    }

    private static String property(String key) {
        String value = System.getProperty(key);
        checkArgument(value != null && !value.isBlank(), "Cannot run the integration tests: system property %s is "
                + "not set (Failsafe sets it from jobs/pom.xml; run them with mvn -B verify)", key);
        return value;
    }
}
