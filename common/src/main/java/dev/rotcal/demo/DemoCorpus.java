package dev.rotcal.demo;

import dev.rotcal.tokens.NpyWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The demo calibration corpus: sentences of {@link DemoGrammar} over the demo model's vocabulary, written
 * as plain text (calibration.txt, evaluation.txt) and, for convenience, as the same ids pre-tokenized
 * (calibration-tokens.npy, evaluation-tokens.npy: int32, shape [n_tokens], no &lt;s&gt;; conf/demo.conf reads
 * the first). Tokenizing the text with the demo tokenizer.json (without special tokens) gives exactly the .npy
 * ids. Deterministic per spec.
 */
public final class DemoCorpus {
    public static final String CALIBRATION_TEXT = "calibration.txt";
    public static final String CALIBRATION_NPY = "calibration-tokens.npy";
    public static final String EVALUATION_TEXT = "evaluation.txt";
    public static final String EVALUATION_NPY = "evaluation-tokens.npy";
    /** Every file {@link #write} writes, in the folder it is given. */
    public static final List<String> FILES = List.of(CALIBRATION_TEXT, CALIBRATION_NPY, EVALUATION_TEXT,
            EVALUATION_NPY);

    private DemoCorpus() {
    }

    /** Token counts of the written splits. */
    public record Written(int calibrationTokens, int evaluationTokens) {
    }

    /** Writes both splits into {@code dir} (created if missing) for the vocabulary of {@code model}. */
    public static Written write(Path dir, DemoModelSpec model, DemoCorpusSpec spec) {
        DemoVocabulary vocabulary = DemoVocabulary.create(model.vocabSize(), model.seed());
        int[] calibration = generate(vocabulary, spec.calibrationTokens(),
                SeededStreams.stream(spec.seed(), "corpus.calibration"));
        int[] evaluation = generate(vocabulary, spec.evaluationTokens(),
                SeededStreams.stream(spec.seed(), "corpus.evaluation"));
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(CALIBRATION_TEXT), render(calibration, vocabulary), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(EVALUATION_TEXT), render(evaluation, vocabulary), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the demo corpus to " + dir + ": " + e, e);
        }
        NpyWriter.writeInt32(dir.resolve(CALIBRATION_NPY), calibration);
        NpyWriter.writeInt32(dir.resolve(EVALUATION_NPY), evaluation);
        return new Written(calibration.length, evaluation.length);
    }

    /** Whole paragraphs until at least {@code minTokens} ids. */
    static int[] generate(DemoVocabulary vocabulary, int minTokens, SplittableRandom random) {
        DemoGrammar grammar = new DemoGrammar(vocabulary, random);
        int[][] buffer = {new int[minTokens + 4096]};
        int[] size = {0};
        while (size[0] < minTokens) {
            grammar.paragraph(id -> {
                if (size[0] == buffer[0].length) {
                    buffer[0] = Arrays.copyOf(buffer[0], buffer[0].length * 2);
                }
                buffer[0][size[0]++] = id;
            });
        }
        return Arrays.copyOf(buffer[0], size[0]);
    }

    /**
     * The text of {@code ids}: words separated by spaces, punctuation attached to the word before it, the
     * delimiter as a line break, and the first word of each sentence capitalized (the tokenizer lowercases).
     */
    static String render(int[] ids, DemoVocabulary vocabulary) {
        StringBuilder text = new StringBuilder(ids.length * 6);
        boolean lineStart = true;
        boolean capitalize = true;
        for (int id : ids) {
            String token = vocabulary.token(id);
            if (id == DemoVocabulary.DELIMITER_ID) {
                text.append('\n');
                lineStart = true;
                capitalize = true;
            } else if (DemoVocabulary.isPunctuation(id)) {
                text.append(token);
                capitalize = token.equals(".") || token.equals("?") || token.equals("!");
                lineStart = false;
            } else {
                if (!lineStart) {
                    text.append(' ');
                }
                text.append(capitalize ? Character.toUpperCase(token.charAt(0)) + token.substring(1) : token);
                capitalize = false;
                lineStart = false;
            }
        }
        return text.toString();
    }
}
