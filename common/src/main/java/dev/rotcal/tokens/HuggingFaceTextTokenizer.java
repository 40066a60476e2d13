package dev.rotcal.tokens;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * A Hugging Face tokenizer.json run through DJL's native tokenizers library (offline: the library is in
 * the jar). DJL truncates to 512 tokens and pads by default; this wrapper turns both off. Holds native
 * memory: close it.
 */
public final class HuggingFaceTextTokenizer implements TextTokenizer, AutoCloseable {
    private static final Map<String, String> OPTIONS = Map.of("truncation", "false", "padding", "false");

    private final String location;
    private final HuggingFaceTokenizer tokenizer;

    private HuggingFaceTextTokenizer(String location, HuggingFaceTokenizer tokenizer) {
        this.location = location;
        this.tokenizer = tokenizer;
    }

    /** Loads {@code tokenizerJson} (a tokenizer.json file, local or through a Hadoop filesystem). */
    public static HuggingFaceTextTokenizer open(InputFile tokenizerJson) {
        try (InputStream in = tokenizerJson.newStream()) {
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(in, OPTIONS);
            return new HuggingFaceTextTokenizer(tokenizerJson.location(), tokenizer);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot load tokenizer " + tokenizerJson.location() + ": " + e, e);
        } catch (RuntimeException e) {
            // the native library reports a bad tokenizer.json as a RuntimeException with a multi-line message
            throw new IllegalArgumentException(String.format("Cannot load tokenizer %s: %s (is it a Hugging Face"
                    + " tokenizer.json?)", tokenizerJson.location(), String.valueOf(e.getMessage())
                    .replaceAll("\\s+", " ").trim()), e);
        }
    }

    public String location() {
        return location;
    }

    @Override
    public long[] encode(String text, boolean addSpecialTokens) {
        return tokenizer.encode(text, addSpecialTokens, false).getIds();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
