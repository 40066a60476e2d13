package dev.rotcal.demo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.rotcal.tokens.HuggingFaceTextTokenizer;
import dev.rotcal.tokens.InputFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hand-written tokenizer.json, loaded offline by DJL's Hugging Face tokenizers. */
class DemoTokenizerTest {
    @TempDir
    static Path dir;
    static DemoVocabulary vocabulary;

    @BeforeAll
    static void writeTokenizer() {
        DemoModelSpec spec = DemoModelSpec.defaults();
        vocabulary = DemoVocabulary.create(spec.vocabSize(), spec.seed());
        DemoTokenizerFiles.write(dir, vocabulary, spec.maxPositionEmbeddings());
    }

    @Test
    void handWrittenSentenceGivesTheExpectedIds() {
        String text = "Makour taito tofashe vou, za re  vethu votraldor chaires!\nNimu mishmash.";
        long[] expected = {10, 61, 724, 20, 5, 52, 12, 1096, 60, 1358, 7, 3, 24, 0, 4};
        try (HuggingFaceTextTokenizer tokenizer = HuggingFaceTextTokenizer.open(
                InputFile.local(dir.resolve(DemoModel.TOKENIZER_JSON)))) {
            assertThat(tokenizer.encode(text, false)).as("lowercased words, punctuation split off, \\n kept as the"
                    + " delimiter, extra spaces dropped, an unknown word as <unk>").containsExactly(expected);
            long[] withBos = new long[expected.length + 1];
            withBos[0] = DemoVocabulary.BOS_ID;
            System.arraycopy(expected, 0, withBos, 1, expected.length);
            assertThat(tokenizer.encode(text, true)).as("special tokens: a leading <s>, as LLaMA's tokenizer")
                    .containsExactly(withBos);
        }
    }

    @Test
    void everyTokenEncodesToItsOwnId() throws IOException {
        String allWords = IntStream.range(DemoVocabulary.DELIMITER_ID, vocabulary.size()).mapToObj(vocabulary::token)
                .collect(Collectors.joining(" "));
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(dir.resolve(DemoModel.TOKENIZER_JSON),
                Map.of("truncation", "false", "padding", "false"))) {
            long[] ids = tokenizer.encode(allWords, false, false).getIds();
            assertThat(ids).as("DJL's newInstance(Path) reads the file offline; ids %d..%d in order",
                    DemoVocabulary.DELIMITER_ID, vocabulary.size() - 1)
                    .containsExactly(IntStream.range(DemoVocabulary.DELIMITER_ID, vocabulary.size()).asLongStream()
                            .toArray());
        }
    }
}
