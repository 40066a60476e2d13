package dev.rotcal.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chunked text reading with a stub tokenizer (one id per character) that records its calls. */
class TextTokenSourceTest {
    @TempDir
    Path tmp;

    /** id = the character's code; special tokens = a leading 1. Remembers each encoded chunk. */
    static final class CharTokenizer implements TextTokenizer {
        final List<String> chunks = new ArrayList<>();

        @Override
        public long[] encode(String text, boolean addSpecialTokens) {
            chunks.add(text);
            long[] ids = new long[text.length() + (addSpecialTokens ? 1 : 0)];
            int at = 0;
            if (addSpecialTokens) {
                ids[at++] = 1;
            }
            for (char c : text.toCharArray()) {
                ids[at++] = c;
            }
            return ids;
        }
    }

    @Test
    void longTextIsEncodedInChunksCutAtLineStartsWithOneLeadingSpecialToken() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int line = 0; text.length() < 3 * TextTokenSource.CHUNK_CHARS; line++) {
            text.append("line ").append(line).append(line % 7 == 0 ? "\n\n" : "\n");
        }
        Path file = tmp.resolve("corpus.txt");
        Files.writeString(file, text);
        CharTokenizer tokenizer = new CharTokenizer();
        TokenCorpus corpus = new TextTokenSource(tokenizer, true).read(InputFile.local(file));
        assertThat(tokenizer.chunks).as("several encode calls").hasSizeGreaterThan(2);
        assertThat(String.join("", tokenizer.chunks)).as("the chunks are the text").isEqualTo(text.toString());
        for (String chunk : tokenizer.chunks.subList(1, tokenizer.chunks.size())) {
            assertThat(chunk).as("a chunk starts at a non-blank line start").startsWith("line");
        }
        assertThat(corpus.ids()[0]).as("special tokens only once, at the start").isEqualTo(1);
        assertThat(corpus.size()).as("one id per character plus <s>").isEqualTo(text.length() + 1);
    }

    @Test
    void emptyTextIsRejected() throws IOException {
        Path file = tmp.resolve("empty.txt");
        Files.writeString(file, "");
        assertThatThrownBy(() -> new TextTokenSource(new CharTokenizer(), false).read(InputFile.local(file)))
                .as("an empty file").hasMessage("Cannot read token ids from %s: the file is empty", file);
    }

    @Test
    void aBrokenTokenizerJsonGivesAOneLineError() throws IOException {
        Path file = tmp.resolve("tokenizer.json");
        Files.writeString(file, "{\"model\": {\"type\": \"WordLevel\"");
        assertThatThrownBy(() -> HuggingFaceTextTokenizer.open(InputFile.local(file))).as("truncated JSON")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot load tokenizer " + file + ": ")
                .satisfies(e -> assertThat(e.getMessage()).as("one line").doesNotContain("\n"));
    }

    @Test
    void formatFollowsTheFileName() {
        assertThat(TokenFormat.fromFileName("wiki.train.NPY")).isEqualTo(TokenFormat.NPY);
        assertThat(TokenFormat.fromFileName("s3a://b/c/tokens.safetensors")).isEqualTo(TokenFormat.SAFETENSORS);
        assertThat(TokenFormat.fromFileName("c4.jsonl")).isEqualTo(TokenFormat.JSONL);
        assertThat(TokenFormat.fromFileName("wiki.train.txt")).isEqualTo(TokenFormat.TEXT);
        assertThatThrownBy(() -> TokenFormat.fromFileName("tokens.bin")).as("unknown extension")
                .hasMessageStartingWith("Cannot tell the token format of tokens.bin");
    }
}
