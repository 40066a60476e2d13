package dev.rotcal.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds {@link RotcalSettings}: reference.conf (in the jar) ← the overlay files in order (HOCON, with
 * {@code include} and {@code ${?ENV}}) ← the {@code --set key=value} overrides in order → resolve → check keys →
 * typed records, all on the driver, before any Spark work. Every mistake is a one-line {@link SettingsException}
 * (exit code 2) naming the key, the value and where it was set.
 *
 * <p>Substitutions see the environment given to the constructor (the process environment by default), so tests
 * can resolve {@code ${?ROTCAL_BUCKET}} without touching the real one. System properties are not read.
 */
public final class SettingsLoader {
    /** The classpath resource with every key and its default. */
    public static final String REFERENCE_RESOURCE = "reference.conf";

    private static final Logger LOG = LoggerFactory.getLogger(SettingsLoader.class);
    private static final Pattern SUBSTITUTION = Pattern.compile("\\$\\{\\??([^}]*)}");
    private static volatile Config reference;

    private final Map<String, String> environment;
    private final Clock clock;
    private final Path workingDirectory;

    /** With the process environment, the UTC clock and the working directory. */
    public SettingsLoader() {
        this(System.getenv(), Clock.systemUTC(), Path.of("").toAbsolutePath());
    }

    /**
     * @param environment      what {@code ${VAR}} and {@code ${?VAR}} resolve to when no setting has that path
     * @param clock            for the default run id
     * @param workingDirectory what relative file: URIs are relative to
     */
    public SettingsLoader(Map<String, String> environment, Clock clock, Path workingDirectory) {
        this.environment = Map.copyOf(environment);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.workingDirectory = workingDirectory.toAbsolutePath().normalize();
    }

    /** The settings from reference.conf ← {@code configFiles} ← {@code overrides} ("key=value" each). */
    public RotcalSettings load(List<Path> configFiles, List<String> overrides) {
        Config resolved = effectiveConfig(configFiles, overrides);
        Map<String, String> hadoop = HadoopKeys.read(resolved);
        RotcalSettings settings = new SettingsBuilder(new SettingsReader(resolved), clock, workingDirectory)
                .build(hadoop);
        LOG.info("Settings for run {}: {} from reference.conf, {} config file(s) and {} --set override(s)",
                settings.runId(), settings.inputUri(), configFiles.size(), overrides.size());
        return settings;
    }

    /**
     * The merged and resolved {@code rotcal} tree with its keys checked (no unknown key, no misspelled top-level
     * rotcal), before typed reading. Holds secrets: do not log it.
     */
    public Config effectiveConfig(List<Path> configFiles, List<String> overrides) {
        Config merged = HadoopKeys.flattenLayer(ConfigOverrides.parse(overrides));
        for (int i = configFiles.size() - 1; i >= 0; i--) {
            merged = merged.withFallback(HadoopKeys.flattenLayer(parseFile(configFiles.get(i))));
        }
        merged = merged.withFallback(HadoopKeys.flattenLayer(referenceUnresolved()));
        UnknownKeys.checkTopLevel(merged);
        Config resolved = resolve(merged).withOnlyPath("rotcal");
        UnknownKeys.check(resolved, reference());
        return resolved;
    }

    /** reference.conf alone, resolved. */
    static Config reference() {
        Config loaded = reference;
        if (loaded == null) {
            loaded = referenceUnresolved().resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
            reference = loaded;
        }
        return loaded;
    }

    private static Config referenceUnresolved() {
        Config parsed = ConfigFactory.parseResources(SettingsLoader.class.getClassLoader(), REFERENCE_RESOURCE,
                ConfigParseOptions.defaults().setAllowMissing(false));
        if (!parsed.hasPath("rotcal")) {
            throw new IllegalStateException("[BUG] " + REFERENCE_RESOURCE + " on the classpath declares no rotcal keys");
        }
        return parsed;
    }

    private static Config parseFile(Path file) {
        if (!Files.exists(file)) {
            throw new SettingsException("Cannot read config file " + file + ": not found (check --config)");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new SettingsException("Cannot read config file " + file + ": not a readable file (check --config)");
        }
        try {
            return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            String where = e.origin() == null ? "" : e.origin().filename() != null
                    && Path.of(e.origin().filename()).equals(file) && e.origin().lineNumber() > 0
                    ? "line " + e.origin().lineNumber() + ": " : ConfigOrigins.describe(e.origin()) + ": ";
            throw new SettingsException("Cannot parse config file " + file + ": " + where
                    + ConfigOverrides.whyWithoutOrigin(e) + " (check the HOCON syntax)", e);
        }
    }

    private Config resolve(Config merged) {
        try {
            return merged.withFallback(environmentConfig())
                    .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
        } catch (ConfigException.UnresolvedSubstitution e) {
            Matcher name = SUBSTITUTION.matcher(e.getMessage());
            String variable = name.find() ? name.group(1) : "?";
            throw new SettingsException(String.format("Cannot resolve ${%s} (%s): no such setting or environment"
                    + " variable (set %s, or write ${?%s} to make it optional)", variable,
                    ConfigOrigins.describe(e.origin()), variable, variable), e);
        } catch (ConfigException e) {
            throw new SettingsException("Cannot resolve the configuration: " + ConfigOrigins.describe(e.origin()) + ": "
                    + ConfigOverrides.whyWithoutOrigin(e) + " (check the substitutions)", e);
        }
    }

    /** The environment as top-level keys, each value's origin naming its variable. */
    private Config environmentConfig() {
        Map<String, ConfigValue> values = new LinkedHashMap<>();
        environment.forEach((name, value) -> {
            if (!name.isEmpty() && value != null) {
                values.put(name, ConfigValueFactory.fromAnyRef(value, "environment variable " + name));
            }
        });
        return ConfigValueFactory.fromMap(values, "environment").toConfig();
    }
}
