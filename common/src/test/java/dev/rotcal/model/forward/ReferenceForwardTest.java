package dev.rotcal.model.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.safetensors.Checkpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The production forward (ModelForward over a checkpoint written here: safetensors reader, ND4J/OpenBLAS
 * GEMMs, RoPE table, GQA attention) against {@link PlainReferenceForward} (plain double loops, no BLAS):
 * logits and every captured row of every layer agree to 1e-4 relative, and RoPE is the closed form.
 */
class ReferenceForwardTest {
    /** Allowed max |actual − expected| of a row, relative to the row's largest |expected|. */
    private static final double TOLERANCE = 1e-4;
    private static final int SEQ_LEN = 16;
    private static final int SEQUENCES = 3;

    @TempDir
    Path tmp;

    static Stream<TinyCheckpoint.Spec> specs() {
        return Stream.of(TinyCheckpoint.llama3Gqa(), TinyCheckpoint.qwen2Tied());
    }

    @ParameterizedTest
    @MethodSource("specs")
    void productionForwardMatchesThePlainReference(TinyCheckpoint.Spec spec) {
        TinyCheckpoint tiny = TinyCheckpoint.create(spec);
        Path dir = tiny.write(tmp.resolve(spec.modelType()));
        int[] tokens = randomTokens(new Random(spec.seed() + 1), spec.vocab());
        ModelConfig config = ModelConfig.read(dir.resolve(ModelConfig.FILE_NAME));
        ModelWeights weights;
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            weights = ModelWeights.read(checkpoint, config);
        }
        List<LayerCaptures> captures = new ArrayList<>();
        float[] logits;
        try (ModelForward model = ModelForward.of(config, weights)) {
            float[] hidden = model.runLayers(tokens, SEQ_LEN, CaptureSwitches.ALL, (l, h, c) -> captures.add(c));
            logits = model.head().logits(hidden, tokens.length);
        }
        PlainReferenceForward.Result expected = new PlainReferenceForward(tiny).forward(tokens, SEQ_LEN);

        assertThat(captures).as("one capture per layer").hasSize(spec.layers());
        String name = spec.modelType();
        for (int l = 0; l < spec.layers(); l++) {
            LayerCaptures c = captures.get(l);
            PlainReferenceForward.Layer e = expected.layers().get(l);
            String at = name + " layer " + l + " ";
            checkRows(at + "attn_in", c.attentionInput(), e.attnIn());
            checkRows(at + "mlp_in", c.mlpInput(), e.mlpIn());
            checkScalars(at + "attn_in rms", c.attentionInputRms(), e.attnRms());
            checkScalars(at + "mlp_in rms", c.mlpInputRms(), e.mlpRms());
            checkRows(at + "attention output", c.attentionOutput(), e.attnOut());
            checkRows(at + "down_proj input", c.downProjInput(), e.downIn());
            checkRows(at + "K after RoPE", c.keys(), e.keys());
            checkRows(at + "V", c.values(), e.values());
        }
        checkRows(name + " logits", logits, expected.logits());
    }

    @ParameterizedTest
    @MethodSource("specs")
    void ropeIsTheClosedForm(TinyCheckpoint.Spec spec) {
        Path dir = TinyCheckpoint.create(spec).write(tmp.resolve(spec.modelType()));
        ModelConfig config = ModelConfig.read(dir.resolve(ModelConfig.FILE_NAME));
        RotaryEmbedding rope = RotaryEmbedding.of(config);
        double[] expected = PlainReferenceForward.inverseFrequencies(spec);
        double[] actual = rope.inverseFrequencies();
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("%s inv_freq[%d]", spec.modelType(), i)
                    .isCloseTo(expected[i], within(1e-14 * expected[i]));
        }
        if (spec.llama3() != null) {
            assertThat(llama3Bands(spec, expected)).as("every band of the llama3 scaling holds a pair "
                    + "(kept, blended, divided by the factor)").containsExactly(1, 1, 3);
        }

        // the unit vector of pair i, rotated at position p, is (cos(p·inv_freq[i]), sin(p·inv_freq[i]))
        int hd = spec.headDim();
        int half = hd / 2;
        int[] positions = {0, 1, 5, 15, 100, 4095};
        for (int i = 0; i < half; i++) {
            float[] x = new float[positions.length * hd];  // (rows, headDim), one head
            for (int r = 0; r < positions.length; r++) {
                x[r * hd + i] = 1;
            }
            rope.apply(x, positions.length, 1, positions);
            for (int r = 0; r < positions.length; r++) {
                double angle = positions[r] * expected[i];
                assertThat(x[r * hd + i]).as("%s pair %d at position %d: cos", spec.modelType(), i, positions[r])
                        .isCloseTo((float) Math.cos(angle), within(1e-6f));
                assertThat(x[r * hd + half + i]).as("%s pair %d at position %d: sin", spec.modelType(), i,
                        positions[r]).isCloseTo((float) Math.sin(angle), within(1e-6f));
            }
        }
    }

    /** Pairs whose inv_freq was {kept, blended, divided by the factor}. */
    private static List<Integer> llama3Bands(TinyCheckpoint.Spec spec, double[] inv) {
        int kept = 0;
        int blended = 0;
        int divided = 0;
        for (int i = 0; i < inv.length; i++) {
            double base = Math.pow(spec.ropeTheta(), -2.0 * i / spec.headDim());
            if (Math.abs(inv[i] - base) <= 1e-15 * base) {
                kept++;
            } else if (Math.abs(inv[i] - base / spec.llama3()[0]) <= 1e-15 * base) {
                divided++;
            } else {
                blended++;
            }
        }
        return List.of(kept, blended, divided);
    }

    private static int[] randomTokens(Random rng, int vocab) {
        int[] tokens = new int[SEQUENCES * SEQ_LEN];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rng.nextInt(vocab);
        }
        return tokens;
    }

    /** Row by row: max |actual − expected| ≤ TOLERANCE × max |expected| of that row. */
    private static void checkRows(String what, float[] actual, double[][] expected) {
        assertThat(actual).as("%s is captured", what).isNotNull();
        int width = expected[0].length;
        assertThat(actual).as("%s: (rows, %d)", what, width).hasSize(expected.length * width);
        double worst = worstRelative(expected.length, r -> {
            double diff = 0;
            double scale = 0;
            for (int c = 0; c < width; c++) {
                diff = Math.max(diff, Math.abs(actual[r * width + c] - expected[r][c]));
                scale = Math.max(scale, Math.abs(expected[r][c]));
            }
            return new double[] {diff, scale};
        }, what);
        System.out.printf("%-40s %3d rows × %3d: worst row max|err| / max|expected| = %.2e%n", what,
                expected.length, width, worst);
    }

    private static void checkScalars(String what, float[] actual, double[] expected) {
        assertThat(actual).as("%s is captured", what).isNotNull().hasSize(expected.length);
        double worst = worstRelative(expected.length,
                r -> new double[] {Math.abs(actual[r] - expected[r]), Math.abs(expected[r])}, what);
        System.out.printf("%-40s %3d rows:       worst relative error = %.2e%n", what, expected.length, worst);
    }

    private static double worstRelative(int rows, Function<Integer, double[]> diffAndScale, String what) {
        double worst = 0;
        for (int r = 0; r < rows; r++) {
            double[] ds = diffAndScale.apply(r);
            double relative = ds[0] / ds[1];
            assertThat(relative).as("%s row %d: max abs error %.3e against max |expected| %.3e", what, r, ds[0],
                    ds[1]).isLessThanOrEqualTo(TOLERANCE);
            worst = Math.max(worst, relative);
        }
        return worst;
    }
}
