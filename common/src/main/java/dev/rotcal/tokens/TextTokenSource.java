package dev.rotcal.tokens;

import static dev.rotcal.Checks.checkArgument;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Token ids of a UTF-8 text file, tokenized with the model's tokenizer as one document (DFRot/GPTQ tokenize
 * the joined WikiText-2 train split in one call; with {@code addSpecialTokens} LLaMA's tokenizer puts one
 * &lt;s&gt; at the very start). The text is read and encoded in chunks of about 1 Mi characters, each cut
 * right after a "\n" that is followed by a non-space character, so memory stays small. Splitting there
 * gives exactly the whole-text ids for tokenizers whose pre-tokenizer splits at newlines (the demo's
 * WordLevel, byte-level BPE as in LLaMA-3, Qwen2); with a SentencePiece-style Metaspace pre-tokenizer
 * (LLaMA-2) the first word of a chunk may gain its word-start marker, about one token per chunk.
 *
 * @param addSpecialTokens  add the tokenizer's special tokens once, at the start of the file
 */
public record TextTokenSource(TextTokenizer tokenizer, boolean addSpecialTokens) implements TokenSource {
    /** Characters per encode call, before moving the cut to a line start. */
    static final int CHUNK_CHARS = 1 << 20;

    @Override
    public TokenCorpus read(InputFile file) {
        String location = file.location();
        GrowingIntArray ids = new GrowingIntArray();
        try (Reader reader = new InputStreamReader(file.newStream(), StandardCharsets.UTF_8)) {
            char[] buffer = new char[CHUNK_CHARS];
            StringBuilder pending = new StringBuilder();
            boolean first = true;
            long chars = 0;
            for (int n = reader.read(buffer); n >= 0; n = reader.read(buffer)) {
                pending.append(buffer, 0, n);
                chars += n;
                int cut = lastCut(pending);
                if (pending.length() >= CHUNK_CHARS && cut > 0) {
                    ids.addAll(tokenizer.encode(pending.substring(0, cut), addSpecialTokens && first));
                    pending.delete(0, cut);
                    first = false;
                }
            }
            checkArgument(chars > 0, "Cannot read token ids from %s: the file is empty", location);
            if (pending.length() > 0) {
                ids.addAll(tokenizer.encode(pending.toString(), addSpecialTokens && first));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read token ids from " + location + ": " + e, e);
        }
        int[] result = ids.toArray();
        checkArgument(result.length > 0, "Cannot read token ids from %s: the text has no tokens (only whitespace?)",
                location);
        return new TokenCorpus(location, result, 0);
    }

    /** Index just after the last "\n" followed by a non-whitespace character, or 0 when there is none. */
    static int lastCut(CharSequence text) {
        for (int i = text.length() - 2; i >= 0; i--) {
            if (text.charAt(i) == '\n' && !Character.isWhitespace(text.charAt(i + 1))) {
                return i + 1;
            }
        }
        return 0;
    }
}
