package dev.rotcal.jobs.config;

import dev.rotcal.artifact.SecretRedactor;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.DoublePredicate;
import java.util.stream.Collectors;

/**
 * Typed reads of a resolved config, each failing with one line that names the key, the value and where it was
 * set: "Cannot use rotcal.refine.bits = 9 (/etc/rotcal/x.conf:3): it must be between 2 and 8 (4 for W4A4)".
 */
final class SettingsReader {
    private static final int MAX_SHOWN_CHARS = 160;

    private final Config config;

    SettingsReader(Config config) {
        this.config = config;
    }

    /** A string; numbers and booleans are taken as their text (HOCON's conversion). */
    String string(String key) {
        ConfigValue value = value(key, "a string");
        if (value.valueType() == ConfigValueType.STRING) {
            return (String) value.unwrapped();
        }
        if (value.valueType() == ConfigValueType.NUMBER || value.valueType() == ConfigValueType.BOOLEAN) {
            return String.valueOf(value.unwrapped());
        }
        throw wrongType(key, value, "a string");
    }

    boolean bool(String key) {
        ConfigValue value = value(key, "true or false");
        if (value.valueType() == ConfigValueType.BOOLEAN) {
            return (Boolean) value.unwrapped();
        }
        if (value.valueType() == ConfigValueType.STRING) {
            switch (((String) value.unwrapped()).strip().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on":
                    return true;
                case "false", "no", "off":
                    return false;
                default:
                    break;
            }
        }
        throw wrongType(key, value, "true or false");
    }

    /** A whole number in [min, max]; {@code rule} says the range ("it must be at least 1"), hint how to choose. */
    int integer(String key, int min, int max, String rule, String hint) {
        long number = wholeNumber(key);
        if (number < min || number > max) {
            throw invalid(key, rule, hint);
        }
        return (int) number;
    }

    long longValue(String key) {
        return wholeNumber(key);
    }

    /** A finite number for which {@code ok} holds. */
    double decimal(String key, DoublePredicate ok, String rule, String hint) {
        ConfigValue value = value(key, "a number");
        double number;
        if (value.valueType() == ConfigValueType.NUMBER) {
            number = ((Number) value.unwrapped()).doubleValue();
        } else if (value.valueType() == ConfigValueType.STRING) {
            try {
                number = Double.parseDouble(((String) value.unwrapped()).strip());
            } catch (NumberFormatException e) {
                throw wrongType(key, value, "a number");
            }
        } else {
            throw wrongType(key, value, "a number");
        }
        if (!Double.isFinite(number) || !ok.test(number)) {
            throw invalid(key, rule, hint);
        }
        return number;
    }

    /** One of an enum's {@link ConfigEnum#configName() config names} (case-insensitive). */
    <E extends Enum<E> & ConfigEnum> E choice(String key, Class<E> type) {
        String text = string(key).strip();
        for (E constant : type.getEnumConstants()) {
            if (constant.configName().equalsIgnoreCase(text)) {
                return constant;
            }
        }
        throw invalid(key, "not one of " + Arrays.stream(type.getEnumConstants()).map(ConfigEnum::configName)
                .collect(Collectors.joining(", ")), "choose one of them");
    }

    /**
     * A list of distinct config names of an enum (case-insensitive), in the order written; a single string is a
     * list of one. {@code empty} says whether [] is allowed.
     */
    <E extends Enum<E> & ConfigEnum> List<E> choices(String key, Class<E> type, boolean empty) {
        ConfigValue value = rawValue(key);
        List<Object> items;
        if (value != null && value.valueType() == ConfigValueType.LIST) {
            items = ((ConfigList) value).unwrapped();
        } else {
            items = List.of(string(key));
        }
        String names = Arrays.stream(type.getEnumConstants()).map(ConfigEnum::configName)
                .collect(Collectors.joining(", "));
        List<E> chosen = new ArrayList<>();
        for (Object item : items) {
            String text = String.valueOf(item).strip();
            E match = Arrays.stream(type.getEnumConstants()).filter(c -> c.configName().equalsIgnoreCase(text))
                    .findFirst().orElseThrow(() -> invalid(key, "\"" + text + "\" is not one of " + names,
                            "choose from them"));
            if (chosen.contains(match)) {
                throw invalid(key, match.configName() + " is listed twice", "list each once");
            }
            chosen.add(match);
        }
        if (chosen.isEmpty() && !empty) {
            throw invalid(key, "the list is empty", "choose at least one of " + names);
        }
        return List.copyOf(chosen);
    }

    /** One of {@code allowed} (case-insensitive), returned as spelled in {@code allowed}. */
    String choice(String key, List<String> allowed) {
        String text = string(key).strip();
        return allowed.stream().filter(a -> a.equalsIgnoreCase(text)).findFirst()
                .orElseThrow(() -> invalid(key, "not one of " + String.join(", ", allowed), "choose one of them"));
    }

    /** "Cannot use KEY = VALUE (ORIGIN): WHY (HINT)". */
    SettingsException invalid(String key, String why, String hint) {
        return new SettingsException(String.format("Cannot use %s = %s (%s): %s (%s)", key, shown(key), origin(key),
                why, hint));
    }

    /** The value as written in messages: rendered as JSON, secrets redacted, URI credentials removed. */
    String shown(String key) {
        ConfigValue value = rawValue(key);
        return value == null ? "null" : shown(key, value);
    }

    /** Where the value of {@code key} was set. */
    String origin(String key) {
        ConfigValue value = rawValue(key);
        return value == null ? "not set" : ConfigOrigins.describe(value.origin());
    }

    static String shown(String key, ConfigValue value) {
        if (SecretRedactor.isSecretKey(key)) {
            return SecretRedactor.REDACTED;
        }
        String rendered = value.render(ConfigRenderOptions.concise());
        String scrubbed = SecretRedactor.scrub(rendered, Set.of());
        return scrubbed.length() <= MAX_SHOWN_CHARS ? scrubbed : scrubbed.substring(0, MAX_SHOWN_CHARS) + "…";
    }

    private long wholeNumber(String key) {
        ConfigValue value = value(key, "a whole number");
        Object raw = value.unwrapped();
        if (value.valueType() == ConfigValueType.NUMBER) {
            if (raw instanceof Integer || raw instanceof Long) {
                return ((Number) raw).longValue();
            }
            double number = ((Number) raw).doubleValue();
            if (number == Math.rint(number) && Math.abs(number) < 0x1p62) {
                return (long) number;
            }
            throw new SettingsException(String.format("Cannot use %s = %s (%s): expected a whole number, not a"
                    + " fraction (the default is %s)", key, shown(key, value), ConfigOrigins.describe(value.origin()),
                    defaultOf(key)));
        } else if (value.valueType() == ConfigValueType.STRING) {
            try {
                return Long.parseLong(((String) raw).strip());
            } catch (NumberFormatException e) {
                // fall through to the type error
            }
        }
        throw wrongType(key, value, "a whole number");
    }

    /** The value at {@code key}: a null or an object where a value belongs is a type error. */
    private ConfigValue value(String key, String expected) {
        ConfigValue value = rawValue(key);
        if (value == null || value.valueType() == ConfigValueType.NULL) {
            throw new SettingsException(String.format("Cannot use %s = null (%s): expected %s (remove the line to"
                    + " keep the default %s)", key, origin(key), expected, defaultOf(key)));
        }
        if (value.valueType() == ConfigValueType.OBJECT || value.valueType() == ConfigValueType.LIST) {
            throw wrongType(key, value, expected);
        }
        return value;
    }

    private SettingsException wrongType(String key, ConfigValue value, String expected) {
        return new SettingsException(String.format("Cannot use %s = %s (%s): expected %s, not %s (the default is %s)",
                key, shown(key, value), ConfigOrigins.describe(value.origin()), expected, typeName(value), defaultOf(key)));
    }

    private static String typeName(ConfigValue value) {
        return switch (value.valueType()) {
            case OBJECT -> "an object";
            case LIST -> "a list";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case STRING -> "a string";
        };
    }

    private static String defaultOf(String key) {
        Config reference = SettingsLoader.reference();
        return reference.hasPath(key) ? shown(key, reference.getValue(key)) : "unset";
    }

    /**
     * The value at {@code key}, walking the tree so that nulls and a non-object in the middle of the path (e.g.
     * {@code rotcal.model = "x"}) are found too; null when nothing is there.
     */
    private ConfigValue rawValue(String key) {
        ConfigValue node = config.root();
        for (String segment : ConfigUtil.splitPath(key)) {
            if (!(node instanceof ConfigObject object)) {
                return null;
            }
            node = object.get(segment);
            if (node == null) {
                return null;
            }
        }
        return node;
    }
}
