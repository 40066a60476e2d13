package dev.rotcal.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlTokenSourceTest {
    @TempDir
    Path tmp;

    private TokenCorpus read(String content) throws IOException {
        Path file = tmp.resolve("tokens.jsonl");
        Files.writeString(file, content);
        return new JsonlTokenSource().read(InputFile.local(file));
    }

    @Test
    void arraysAndInputIdsObjectsRoundTrip() throws IOException {
        TokenCorpus corpus = read("[1, 2, 3]\n\n{\"input_ids\": [4, 5, 6], \"text\": \"ignored\"}\n[7, 8, 9]");
        assertThat(corpus.ids()).as("lines concatenated, blank lines skipped")
                .containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(corpus.rowLength()).as("all lines have 3 ids").isEqualTo(3);
        assertThat(read("[1, 2]\n[3]\n").rowLength()).as("ragged lines have no row length").isZero();
    }

    @Test
    void malformedLinesGiveOneLineErrorsWithTheLineNumber() {
        assertThatThrownBy(() -> read("[1, 2]\n[3, oops]\n")).as("invalid JSON")
                .hasMessageStartingWith("Cannot read token ids from").hasMessageContaining("line 2: not valid JSON");
        assertThatThrownBy(() -> read("{\"ids\": [1]}\n")).as("object without input_ids")
                .hasMessageContaining("line 1: expected a JSON array of integers or an object with \"input_ids\"");
        assertThatThrownBy(() -> read("[1, 2.5]\n")).as("a non-integer id")
                .hasMessageContaining("line 1: 2.5 is not an integer token id");
        assertThatThrownBy(() -> read("[1, 99999999999]\n")).as("an id beyond int")
                .hasMessageContaining("99999999999 is not an integer token id");
        assertThatThrownBy(() -> read("[1, 2]\n[3, oops]\n"))
                .satisfies(e -> assertThat(e.getMessage()).as("one line").doesNotContain("\n"));
    }
}
