package dev.rotcal.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Token id → token text from a Hugging Face tokenizer.json, for reports ("which tokens are massive"):
 * the {@code model.vocab} of BPE, WordLevel and WordPiece tokenizers (an object text → id), the
 * {@code model.vocab} list of Unigram ones ([text, score] pairs, id = index), and {@code added_tokens}.
 */
public final class TokenizerVocabulary {
    private TokenizerVocabulary() {
    }

    public static Map<Integer, String> read(InputFile tokenizerJson) {
        JsonNode root;
        try (InputStream in = tokenizerJson.newStream()) {
            root = new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read tokenizer " + tokenizerJson.location() + ": " + e.getMessage(),
                    e);
        }
        Map<Integer, String> text = new HashMap<>();
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            vocab.fields().forEachRemaining(e -> text.put(e.getValue().asInt(), e.getKey()));
        } else if (vocab.isArray()) {
            for (int id = 0; id < vocab.size(); id++) {
                text.put(id, vocab.get(id).path(0).asText());
            }
        }
        for (JsonNode added : root.path("added_tokens")) {
            text.put(added.path("id").asInt(), added.path("content").asText());
        }
        return text;
    }
}
