package dev.rotcal.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code rotcal.hadoop}: free-form Hadoop settings with dotted names ({@code fs.s3a.endpoint}).
 *
 * <p>HOCON reads an unquoted {@code fs.s3a.endpoint = x} as nested objects; a file that writes keys nested and
 * a later one that writes them quoted would then not override each other. So every layer's {@code rotcal.hadoop}
 * is flattened to quoted dotted keys before the layers are merged ({@link #flattenLayer}), and the merged result
 * becomes a sorted {@code Map<String, String>} ({@link #read}).
 */
final class HadoopKeys {
    static final String PATH = "rotcal.hadoop";

    private HadoopKeys() {
    }

    /** The layer with its rotcal.hadoop object rewritten as one level of quoted dotted keys (values untouched). */
    static Config flattenLayer(Config layer) {
        if (!(layer.root().get("rotcal") instanceof ConfigObject rotcal)
                || !(rotcal.get("hadoop") instanceof ConfigObject hadoop)) {
            return layer;
        }
        Map<String, ConfigValue> flat = new TreeMap<>();
        try {
            collect("", hadoop, flat);
        } catch (ConfigException.NotResolved e) {
            return layer; // e.g. hadoop = ${base} { … }: merged as written
        }
        Config out = layer.withoutPath(PATH).withValue(PATH, ConfigValueFactory.fromMap(Map.of(),
                hadoop.origin().description()));
        for (Map.Entry<String, ConfigValue> entry : flat.entrySet()) {
            out = out.withValue(ConfigUtil.joinPath("rotcal", "hadoop", entry.getKey()), entry.getValue());
        }
        return out;
    }

    /** The merged, resolved rotcal.hadoop as Hadoop settings; nulls remove a key, lists become "a,b". */
    static Map<String, String> read(Config resolved) {
        ConfigValue value = resolved.root().get("rotcal") instanceof ConfigObject rotcal ? rotcal.get("hadoop") : null;
        if (value == null || value.valueType() == ConfigValueType.NULL) {
            return Map.of();
        }
        if (!(value instanceof ConfigObject hadoop)) {
            throw new SettingsException(String.format("Cannot use %s = %s (%s): expected an object of Hadoop"
                            + " settings (e.g. rotcal.hadoop { \"fs.s3a.endpoint.region\" = us-east-1 })", PATH,
                    SettingsReader.shown(PATH, value), ConfigOrigins.describe(value.origin())));
        }
        Map<String, ConfigValue> flat = new TreeMap<>();
        collect("", hadoop, flat);
        Map<String, String> settings = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> entry : flat.entrySet()) {
            String key = entry.getKey();
            ConfigValue setting = entry.getValue();
            String where = ConfigOrigins.describe(setting.origin());
            if (key.startsWith("spark.hadoop.")) {
                throw new SettingsException(String.format("Cannot use %s.\"%s\" (%s): rotcal.hadoop takes Hadoop"
                        + " keys without Spark's prefix (write \"%s\")", PATH, key, where,
                        key.substring("spark.hadoop.".length())));
            }
            if (setting.valueType() != ConfigValueType.NULL) {
                settings.put(key, text(key, setting, where));
            }
        }
        return Map.copyOf(settings);
    }

    private static String text(String key, ConfigValue value, String where) {
        switch (value.valueType()) {
            case STRING:
                return (String) value.unwrapped();
            case NUMBER:
                return value.render(ConfigRenderOptions.concise());
            case BOOLEAN:
                return String.valueOf(value.unwrapped());
            case LIST:
                List<String> items = new ArrayList<>();
                for (ConfigValue item : (ConfigList) value) {
                    if (item.valueType() == ConfigValueType.OBJECT || item.valueType() == ConfigValueType.LIST
                            || item.valueType() == ConfigValueType.NULL) {
                        throw badValue(key, value, where);
                    }
                    items.add(text(key, item, where));
                }
                return String.join(",", items);
            default:
                throw badValue(key, value, where);
        }
    }

    private static SettingsException badValue(String key, ConfigValue value, String where) {
        String dotted = PATH + "." + key;
        return new SettingsException(String.format("Cannot use %s.\"%s\" = %s (%s): a Hadoop setting is a string,"
                        + " number, boolean or list of them (quote the key: \"%s\" = …)", PATH, key,
                SettingsReader.shown(dotted, value), where, key));
    }

    /** Nested objects become dotted keys; a key set both nested and quoted is an error. */
    private static void collect(String prefix, ConfigObject object, Map<String, ConfigValue> out) {
        for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
            String key = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
            ConfigValue value = entry.getValue();
            if (value instanceof ConfigObject inner) {
                collect(key, inner, out);
            } else if (out.putIfAbsent(key, value) != null) {
                throw new SettingsException(String.format("Cannot use %s.\"%s\" (%s): it is written both quoted and"
                                + " as nested keys in one file (write Hadoop keys quoted: \"%s\" = …)", PATH, key,
                        ConfigOrigins.describe(value.origin()), key));
            }
        }
    }
}
