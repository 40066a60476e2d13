package dev.rotcal.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Refuses keys under {@code rotcal} that reference.conf does not declare (rotcal.hadoop takes any key), with
 * the closest declared key as a suggestion, and top-level keys that look like a misspelled {@code rotcal}.
 */
final class UnknownKeys {
    private static final String ROOT = "rotcal";

    private UnknownKeys() {
    }

    /** {@code merged}: the layers before resolution (top-level names only are read from it). */
    static void checkTopLevel(Config merged) {
        for (String key : new TreeSet<>(merged.root().keySet())) {
            String lower = key.toLowerCase(Locale.ROOT);
            if (!key.equals(ROOT) && (distance(lower, ROOT) <= 1 || lower.startsWith(ROOT))) {
                throw new SettingsException(String.format("Cannot use %s (%s): not a rotcal setting (did you mean"
                        + " %s?)", ConfigUtil.joinPath(key), ConfigOrigins.describe(merged.root().get(key).origin()),
                        ROOT));
            }
        }
    }

    /** {@code resolved}: the merged, resolved config; {@code reference}: reference.conf, resolved. */
    static void check(Config resolved, Config reference) {
        Set<String> known = leafPaths(reference);
        Set<String> groups = new TreeSet<>();
        for (String key : known) {
            List<String> segments = ConfigUtil.splitPath(key);
            for (int i = 1; i < segments.size(); i++) {
                groups.add(ConfigUtil.joinPath(segments.subList(0, i)));
            }
        }
        groups.add(HadoopKeys.PATH);
        Map<String, ConfigValue> set = new TreeMap<>();
        if (resolved.hasPath(ROOT) && resolved.getValue(ROOT) instanceof ConfigObject) {
            resolved.withOnlyPath(ROOT).entrySet().forEach(e -> set.put(e.getKey(), e.getValue()));
        } else if (resolved.hasPath(ROOT)) {
            set.put(ROOT, resolved.getValue(ROOT));
        }
        for (Map.Entry<String, ConfigValue> entry : set.entrySet()) {
            String key = entry.getKey();
            List<String> segments = ConfigUtil.splitPath(key);
            if (known.contains(key) || segments.size() > 2 && segments.get(1).equals("hadoop")) {
                continue;
            }
            String shown = SettingsReader.shown(key, entry.getValue());
            String where = ConfigOrigins.describe(entry.getValue().origin());
            if (groups.contains(key)) {
                String members = known.stream().filter(k -> k.startsWith(key + ".")).limit(3)
                        .reduce((a, b) -> a + ", " + b).orElse(key + ".*");
                throw new SettingsException(String.format("Cannot use %s = %s (%s): %s is a group of settings, not"
                        + " a value (set its keys instead: %s)", key, shown, where, key, members));
            }
            String parent = known.stream().filter(k -> key.startsWith(k + ".")).findFirst().orElse(null);
            if (parent != null) {
                throw new SettingsException(String.format("Cannot use %s = %s (%s): %s is a value, not a group of"
                        + " settings (write %s = …)", key, shown, where, parent, parent));
            }
            String hint = closest(key, known).map(k -> "did you mean " + k + "?")
                    .orElse("reference.conf in the rotcal jar lists every key");
            throw new SettingsException(String.format("Cannot use %s = %s (%s): not a rotcal setting (%s)", key, shown,
                    where, hint));
        }
    }

    /** Every leaf key under rotcal in {@code config}, as a path expression. */
    static Set<String> leafPaths(Config config) {
        Set<String> keys = new TreeSet<>();
        if (config.hasPath(ROOT)) {
            config.withOnlyPath(ROOT).entrySet().forEach(e -> keys.add(e.getKey()));
        }
        return keys;
    }

    /**
     * The known key nearest to {@code key}: one with the same last segment (a misplaced key), else one whose last
     * segment is a near miss (a typo); empty when nothing is close.
     */
    static Optional<String> closest(String key, Set<String> known) {
        String last = lastSegment(key);
        int tolerance = Math.max(2, last.length() / 3);
        return known.stream()
                .filter(k -> distance(lastSegment(k), last) <= tolerance)
                .min(Comparator.comparingInt((String k) -> distance(lastSegment(k), last))
                        .thenComparingInt(k -> distance(k, key))
                        .thenComparing(Comparator.naturalOrder()));
    }

    private static String lastSegment(String key) {
        List<String> segments = ConfigUtil.splitPath(key);
        return segments.get(segments.size() - 1);
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
