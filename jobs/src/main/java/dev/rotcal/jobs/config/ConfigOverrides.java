package dev.rotcal.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;

/**
 * The {@code --set key=value} overrides as one config layer, later ones winning.
 *
 * <p>The value is HOCON: {@code 5}, {@code true}, {@code "s3a://b/x"}, {@code [a, b]}, {@code { … }},
 * {@code ${?ENV}}, {@code null}. A value that does not start with a quote, '[', '{' or '$' and that HOCON would
 * reject or cut at a comment ({@code s3a://b/x}: ':' and '//') is taken as its literal text, so that URIs work
 * without shell-escaped quotes. Everything after {@code rotcal.hadoop.} is one Hadoop key:
 * {@code rotcal.hadoop.fs.s3a.endpoint.region=us-east-1} sets {@code "fs.s3a.endpoint.region"}.
 */
final class ConfigOverrides {
    /** Origins of --set values read "--set KEY" (the value is not repeated: it may be a secret). */
    static final String ORIGIN_PREFIX = "--set ";

    private static final String HADOOP_PREFIX = "rotcal.hadoop.";
    private static final String VALUE_KEY = "value";

    private ConfigOverrides() {
    }

    static Config parse(List<String> overrides) {
        Config layer = ConfigFactory.empty();
        for (String override : overrides) {
            layer = parseOne(override).withFallback(layer);
        }
        return layer;
    }

    private static Config parseOne(String override) {
        int equals = override == null ? -1 : override.indexOf('=');
        if (equals <= 0) {
            throw new SettingsException(String.format("Cannot apply --set %s: expected key=value (e.g. --set"
                    + " rotcal.refine.iterations=5)", override == null ? "" : keyOnly(override)));
        }
        String key = override.substring(0, equals).strip();
        String text = override.substring(equals + 1).strip();
        String path = path(key);
        ConfigParseOptions options = ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
                .setOriginDescription(ORIGIN_PREFIX + key);
        if (text.isEmpty()) {
            return ConfigFactory.empty().withValue(path, ConfigValueFactory.fromAnyRef("", ORIGIN_PREFIX + key));
        }
        boolean hocon = text.startsWith("\"") || text.startsWith("[") || text.startsWith("{") || text.startsWith("$");
        if (!hocon && (text.contains("//") || text.contains("#"))) {
            return literal(path, key, text);
        }
        try {
            Config parsed = ConfigFactory.parseString(VALUE_KEY + " = " + text, options);
            if (parsed.root().size() != 1) {
                throw new SettingsException(String.format("Cannot apply --set %s: the value sets more than one key"
                        + " (one --set per key; quote values that contain '=' or ',')", key));
            }
            return ConfigFactory.empty().withValue(path, parsed.root().get(VALUE_KEY));
        } catch (ConfigException e) {
            if (!hocon) {
                return literal(path, key, text);
            }
            throw new SettingsException(String.format("Cannot apply --set %s: the value is not valid HOCON: %s"
                    + " (quote strings: --set '%s=\"…\"')", key, whyWithoutOrigin(e), key), e);
        }
    }

    /** The HOCON path of a --set key, with everything after rotcal.hadoop. as one quoted key. */
    private static String path(String key) {
        if (key.startsWith(HADOOP_PREFIX) && key.length() > HADOOP_PREFIX.length()) {
            return ConfigUtil.joinPath("rotcal", "hadoop", key.substring(HADOOP_PREFIX.length()));
        }
        List<String> segments;
        try {
            segments = ConfigUtil.splitPath(key);
        } catch (ConfigException e) {
            throw new SettingsException(String.format("Cannot apply --set %s=…: '%s' is not a config path: %s"
                    + " (write dotted keys, e.g. rotcal.refine.iterations)", key, key, whyWithoutOrigin(e)), e);
        }
        if (!segments.get(0).equals("rotcal")) {
            throw new SettingsException(String.format("Cannot apply --set %s=…: rotcal's keys start with rotcal."
                    + " (did you mean rotcal.%s?)", key, key));
        }
        return ConfigUtil.joinPath(segments);
    }

    private static Config literal(String path, String key, String text) {
        ConfigValue value = ConfigValueFactory.fromAnyRef(text, ORIGIN_PREFIX + key);
        return ConfigFactory.empty().withValue(path, value);
    }

    private static String keyOnly(String override) {
        int equals = override.indexOf('=');
        return equals < 0 ? override : override.substring(0, equals);
    }

    static String whyWithoutOrigin(ConfigException e) {
        String message = e.getMessage();
        if (e.origin() != null) {
            String prefix = e.origin().description() + ": ";
            if (message.startsWith(prefix)) {
                message = message.substring(prefix.length());
            }
        }
        return message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
