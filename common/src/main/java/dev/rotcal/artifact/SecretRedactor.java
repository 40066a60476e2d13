package dev.rotcal.artifact;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps secrets (S3 keys, tokens, passwords) out of manifests, reports, logs and messages.
 *
 * <p>A setting is secret when its full dotted key (the path through nested objects, e.g.
 * {@code spark.hadoop.fs.s3a.secret.key}), case-insensitively, contains {@code secret}, {@code password},
 * {@code passwd} or {@code credential} (but not {@code credentials.provider}, which names a class), an
 * {@code access/private/api/encryption/sas key}, or a token: a key ending in a {@code token} segment or
 * containing {@code session/auth/access/bearer/oauth/delegation/refresh/sas/id token}. Unlike a bare
 * "*token*", this leaves calibration settings such as {@code rotcal.data.tokens} or
 * {@code rotcal.refine.massive-token-alpha} readable.
 */
public final class SecretRedactor {
    /** What a secret value becomes. */
    public static final String REDACTED = "*****(redacted)";

    private static final Pattern SECRET_KEY = Pattern.compile(
            "secret|passw(or)?d|credential(?!s?[._-]?provider)"
                    + "|(access|private|api|encryption|sas)[._-]?key"
                    + "|(^|[._-])token$"
                    + "|(session|auth|access|bearer|oauth|delegation|refresh|sas|id)[._-]?token",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern URI_USER_INFO = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)[^/@\\s]+@");
    private static final int MIN_SCRUBBED_LENGTH = 4;

    private SecretRedactor() {
    }

    /** Whether the value of this (dotted) key is a secret. */
    public static boolean isSecretKey(String key) {
        return key != null && SECRET_KEY.matcher(key).find();
    }

    /**
     * A deep copy of a JSON tree with the values of secret keys replaced by {@link #REDACTED} (objects and
     * arrays under a secret key included) and credentials inside URIs ({@code s3a://KEY:SECRET@bucket})
     * removed from every string.
     */
    public static JsonNode redact(JsonNode tree) {
        return tree == null ? null : redact(tree, "");
    }

    /** The same for a flat or nested map (nested maps and lists are copied; other values kept as they are). */
    public static Map<String, Object> redact(Map<String, ?> settings) {
        Map<String, Object> copy = new LinkedHashMap<>();
        settings.forEach((key, value) -> copy.put(key, redactValue(key, value)));
        return copy;
    }

    /** The values of the secret keys of a flat map (e.g. a Hadoop configuration), for {@link #scrub}. */
    public static Set<String> secretValues(Map<String, String> settings) {
        Set<String> values = new TreeSet<>();
        settings.forEach((key, value) -> {
            if (isSecretKey(key) && value != null && !value.isBlank()) {
                values.add(value);
            }
        });
        return values;
    }

    /**
     * A message with every occurrence of the known secret values (those of at least 4 characters) and any
     * {@code user:password@} part of a URI replaced by {@link #REDACTED}; line breaks become spaces.
     */
    public static String scrub(String message, Collection<String> secretValues) {
        if (message == null) {
            return null;
        }
        String scrubbed = message;
        List<String> longestFirst = secretValues.stream()
                .filter(v -> v != null && v.length() >= MIN_SCRUBBED_LENGTH)
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
        for (String secret : longestFirst) {
            scrubbed = scrubbed.replace(secret, REDACTED);
        }
        return withoutUriCredentials(scrubbed).replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }

    private static JsonNode redact(JsonNode node, String path) {
        if (!path.isEmpty() && isSecretKey(path) && !node.isNull()) {
            return TextNode.valueOf(REDACTED);
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                copy.set(field.getKey(), redact(field.getValue(), join(path, field.getKey())));
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(element -> copy.add(redact(element, path)));
            return copy;
        }
        if (node.isTextual()) {
            return TextNode.valueOf(withoutUriCredentials(node.textValue()));
        }
        return node.deepCopy();
    }

    private static Object redactValue(String path, Object value) {
        if (isSecretKey(path) && value != null) {
            return REDACTED;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((key, inner) -> copy.put(String.valueOf(key), redactValue(join(path, String.valueOf(key)), inner)));
            return copy;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(inner -> redactValue(path, inner)).toList();
        }
        if (value instanceof String text) {
            return withoutUriCredentials(text);
        }
        return value;
    }

    private static String withoutUriCredentials(String text) {
        return URI_USER_INFO.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED + "@"));
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
