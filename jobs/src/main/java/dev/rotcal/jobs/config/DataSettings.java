package dev.rotcal.jobs.config;

import java.io.Serializable;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code rotcal.data}: the calibration tokens.
 *
 * @param uri            the token file; "" when calibrating pre-captured activations
 * @param format         the file's format, resolved from the extension when configured as auto (AUTO only when
 *                       {@code uri} is empty)
 * @param tokenizerUri   the tokenizer for text data (resolved to {@code <model.uri>/tokenizer.json} when empty);
 *                       "" for token-id formats
 * @param sequenceLength tokens per calibration window (≥ 2)
 * @param sequences      number of windows (≥ 1)
 * @param seed           seed of the window sampling
 */
public record DataSettings(String uri, Format format, String tokenizerUri, int sequenceLength, int sequences,
                           long seed) implements Serializable {

    /** The token file formats. */
    public enum Format implements ConfigEnum {
        AUTO, NPY, SAFETENSORS, JSONL, TEXT;

        /** The format a file name's extension implies (.npy, .safetensors, .jsonl, .txt). */
        public static Optional<Format> ofExtension(String uri) {
            String lower = uri.toLowerCase(Locale.ROOT);
            if (lower.endsWith(".npy")) {
                return Optional.of(NPY);
            }
            if (lower.endsWith(".safetensors")) {
                return Optional.of(SAFETENSORS);
            }
            if (lower.endsWith(".jsonl")) {
                return Optional.of(JSONL);
            }
            if (lower.endsWith(".txt")) {
                return Optional.of(TEXT);
            }
            return Optional.empty();
        }
    }

    public boolean isSet() {
        return !uri.isEmpty();
    }

    /** sequences × sequence-length. */
    public long tokens() {
        return (long) sequences * sequenceLength;
    }
}
