package dev.rotcal.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.tokens.HuggingFaceTextTokenizer;
import dev.rotcal.tokens.InputFile;
import dev.rotcal.tokens.NpyTokenSource;
import dev.rotcal.tokens.TextTokenSource;
import dev.rotcal.tokens.TokenCorpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo corpus: text and .npy agree through the tokenizer, rare delimiters, deterministic. */
class DemoCorpusTest {
    @TempDir
    static Path dir;
    static DemoCorpus.Written written;

    @BeforeAll
    static void writeCorpus() {
        DemoModelSpec spec = DemoModelSpec.defaults();
        written = DemoCorpus.write(dir, spec, DemoCorpusSpec.defaults());
        DemoTokenizerFiles.write(dir, DemoVocabulary.create(spec.vocabSize(), spec.seed()),
                spec.maxPositionEmbeddings());
    }

    @Test
    void textTokenizesToTheNpyIds() {
        TokenCorpus npy = new NpyTokenSource().read(InputFile.local(dir.resolve(DemoCorpus.CALIBRATION_NPY)));
        TokenCorpus text;
        try (HuggingFaceTextTokenizer tokenizer = HuggingFaceTextTokenizer.open(
                InputFile.local(dir.resolve(DemoModel.TOKENIZER_JSON)))) {
            text = new TextTokenSource(tokenizer, false)
                    .read(InputFile.local(dir.resolve(DemoCorpus.CALIBRATION_TEXT)));
        }
        assertThat(npy.size()).as("calibration split size").isEqualTo(written.calibrationTokens())
                .isGreaterThanOrEqualTo(DemoCorpusSpec.defaults().calibrationTokens());
        assertThat(text.ids()).as("the text (%d chars, read in chunks) through tokenizer.json = the .npy ids",
                dir.resolve(DemoCorpus.CALIBRATION_TEXT).toFile().length()).isEqualTo(npy.ids());
    }

    @Test
    void delimitersAreRareAndNoTokenRepeatsItsPredecessor() {
        int[] ids = new NpyTokenSource().read(InputFile.local(dir.resolve(DemoCorpus.CALIBRATION_NPY))).ids();
        int delimiters = 0;
        int repeats = 0;
        for (int i = 0; i < ids.length; i++) {
            delimiters += ids[i] == DemoVocabulary.DELIMITER_ID ? 1 : 0;
            repeats += i > 0 && ids[i] == ids[i - 1] ? 1 : 0;
        }
        double perWindow = 2048.0 * delimiters / ids.length;
        assertThat(perWindow).as("delimiters per 2048-token window (Sun et al.: about one)").isBetween(1.0, 3.0);
        assertThat(ids[ids.length - 1]).as("the split ends with a paragraph break")
                .isEqualTo(DemoVocabulary.DELIMITER_ID);
        assertThat(repeats).as("the grammar never puts a token right after itself").isZero();
    }

    @Test
    void sameSpecWritesTheSameCorpus() throws IOException {
        Path again = dir.resolve("again");
        DemoCorpus.write(again, DemoModelSpec.defaults(), DemoCorpusSpec.defaults());
        for (String file : new String[] {DemoCorpus.CALIBRATION_TEXT, DemoCorpus.EVALUATION_TEXT,
                DemoCorpus.CALIBRATION_NPY, DemoCorpus.EVALUATION_NPY}) {
            assertThat(Files.readAllBytes(again.resolve(file))).as("%s is deterministic", file)
                    .isEqualTo(Files.readAllBytes(dir.resolve(file)));
        }
        assertThat(Files.readString(dir.resolve(DemoCorpus.EVALUATION_TEXT)))
                .as("the evaluation split is other text")
                .isNotEqualTo(Files.readString(dir.resolve(DemoCorpus.CALIBRATION_TEXT)));
    }
}
