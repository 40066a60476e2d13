package dev.rotcal.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WindowSamplerTest {
    private static TokenCorpus corpus(int n) {
        return new TokenCorpus("corpus", IntStream.range(0, n).toArray(), 0);
    }

    @Test
    void windowsAreDeterministicPerSeedInRangeAndDisjoint() {
        TokenCorpus corpus = corpus(100_000);
        for (long seed = 0; seed < 20; seed++) {
            WindowSampler sampler = new WindowSampler(2048, 16, seed);
            TokenWindows windows = sampler.sample(corpus);
            assertThat(sampler.sample(corpus).starts()).as("seed %d: same starts again", seed)
                    .containsExactly(windows.starts());
            int[] starts = windows.starts();
            for (int w = 0; w < starts.length; w++) {
                assertThat(starts[w]).as("seed %d window %d inside the corpus", seed, w).isBetween(0, 100_000 - 2048);
                if (w > 0) {
                    assertThat(starts[w] - starts[w - 1]).as("seed %d: window %d starts after window %d ends", seed,
                            w, w - 1).isGreaterThanOrEqualTo(2048);
                }
                int[] window = windows.window(w);
                assertThat(new int[] {window[0], window[2047]}).as("window %d holds the corpus tokens from its"
                        + " start", w).containsExactly(starts[w], starts[w] + 2047);
            }
        }
        assertThat(new WindowSampler(2048, 16, 1).sample(corpus).starts()).as("another seed, other windows")
                .isNotEqualTo(new WindowSampler(2048, 16, 2).sample(corpus).starts());
    }

    @Test
    void oneWindowAsDfrotCanStartAnywhere() {
        TokenCorpus corpus = corpus(2048 + 9);
        int[] seen = new int[10];
        for (long seed = 0; seed < 400; seed++) {
            seen[new WindowSampler(2048, 1, seed).sample(corpus).starts()[0]]++;
        }
        assertThat(seen).as("every start 0..9 drawn").doesNotContain(0);
        assertThat(new WindowSampler(2048, 1, 3).sample(corpus(2048)).starts()).as("a corpus of exactly one window")
                .containsExactly(0);
    }

    @Test
    void tooManyWindowsOverlapAndTooShortACorpusIsRejected() {
        TokenWindows windows = new WindowSampler(100, 5, 9).sample(corpus(300));
        assertThat(Arrays.stream(windows.starts()).boxed().toList()).as("overlapping windows stay in range")
                .allSatisfy(s -> assertThat(s).isBetween(0, 200)).hasSize(5);
        assertThatThrownBy(() -> new WindowSampler(2048, 1, 0).sample(corpus(2047))).as("shorter than one window")
                .hasMessage("Cannot cut a window of 2048 tokens from corpus: it has only 2047 tokens (use a larger"
                        + " corpus or a shorter sequence-length)");
    }

    @Test
    void vocabularyCheckNamesTheSourceTheIdAndTheVocabSize() {
        TokenCorpus corpus = new TokenCorpus("s3a://bucket/wiki.npy", new int[] {1, 2, 40000, 3}, 0);
        assertThatThrownBy(() -> corpus.checkVocabulary(32000)).as("an id beyond the vocabulary")
                .hasMessage("Cannot use token ids from s3a://bucket/wiki.npy: id 40000 at index 2 is outside the"
                        + " model's vocabulary of 32000 (tokenized for another model?)");
        assertThatThrownBy(() -> new TokenCorpus("x", new int[] {-1}, 0).checkVocabulary(10)).as("a negative id")
                .hasMessageContaining("id -1 at index 0");
        assertThat(corpus.checkVocabulary(40001)).as("all ids fit").isSameAs(corpus);
    }

    @Test
    void concatenationKeepsOrderAndCommonRowLength() {
        TokenCorpus a = new TokenCorpus("a", new int[] {1, 2, 3, 4}, 2);
        TokenCorpus b = new TokenCorpus("b", new int[] {5, 6}, 2);
        TokenCorpus c = new TokenCorpus("c", new int[] {7}, 0);
        assertThat(TokenCorpus.concatenate(List.of(a, b)).ids()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(TokenCorpus.concatenate(List.of(a, b)).rowLength()).as("same row length kept").isEqualTo(2);
        assertThat(TokenCorpus.concatenate(List.of(a, c)).rowLength()).as("mixed rows dropped").isZero();
        assertThat(TokenCorpus.concatenate(List.of(a, c)).source()).isEqualTo("a + c");
    }

    @Test
    void windowsDrawnFromTheRestOfACorpusNeverOverlapTheFirstOnes() {
        int[] ids = new int[1000];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i; // each id is its own position
        }
        TokenCorpus corpus = new TokenCorpus("positions", ids, 0);
        TokenWindows first = new WindowSampler(50, 3, 0).sample(corpus);
        TokenCorpus rest = corpus.without(first);
        assertThat(rest.size()).isEqualTo(1000 - 150);
        TokenWindows second = new WindowSampler(50, 10, 1).sample(rest);
        java.util.Set<Integer> taken = new java.util.HashSet<>();
        for (int id : first.tokens()) {
            taken.add(id);
        }
        for (int id : second.tokens()) {
            assertThat(taken).as("token %d", id).doesNotContain(id);
        }
    }
}
