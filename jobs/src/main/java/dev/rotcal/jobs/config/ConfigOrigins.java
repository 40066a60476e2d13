package dev.rotcal.jobs.config;

import com.typesafe.config.ConfigOrigin;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Where a value came from, short enough for a one-line message: {@code /etc/rotcal/cluster.conf:12},
 * {@code reference.conf:40}, {@code --set rotcal.refine.iterations=0}, {@code environment variable
 * ROTCAL_BUCKET}, or several of them for a concatenation.
 */
final class ConfigOrigins {
    private static final String MERGE_PREFIX = "merge of ";

    private ConfigOrigins() {
    }

    static String describe(ConfigOrigin origin) {
        if (origin == null) {
            return "unknown origin";
        }
        if (origin.filename() != null) {
            return origin.lineNumber() > 0 ? origin.filename() + ":" + origin.lineNumber() : origin.filename();
        }
        if (origin.resource() != null) {
            return origin.lineNumber() > 0 ? origin.resource() + ":" + origin.lineNumber() : origin.resource();
        }
        return tidy(origin.description());
    }

    /** typesafe's descriptions: "f.conf: 3", "merge of f.conf: 4,environment variable B", "--set …: 1". */
    private static String tidy(String description) {
        String text = description.startsWith(MERGE_PREFIX) ? description.substring(MERGE_PREFIX.length()) : description;
        Set<String> parts = new LinkedHashSet<>();
        for (String part : text.split(",")) {
            String trimmed = part.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            int colon = trimmed.lastIndexOf(": ");
            if (colon > 0 && trimmed.substring(colon + 2).chars().allMatch(Character::isDigit)) {
                String where = trimmed.substring(0, colon);
                int at = where.indexOf(" @ ");
                where = at > 0 ? where.substring(0, at) : where;
                trimmed = where.startsWith(ConfigOverrides.ORIGIN_PREFIX) ? where : where + ":" + trimmed.substring(colon + 2);
            }
            parts.add(trimmed);
        }
        return String.join(", ", parts);
    }
}
