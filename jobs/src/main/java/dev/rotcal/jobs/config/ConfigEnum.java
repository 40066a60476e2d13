package dev.rotcal.jobs.config;

import java.util.Locale;

/** An enum setting: constant {@code RANDOM_HADAMARD} is written {@code random-hadamard} in the config. */
public interface ConfigEnum {

    /** The constant's Java name ({@link Enum#name()}). */
    String name();

    /** The name used in HOCON and in the manifest: lower case, '-' for '_'. */
    default String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
