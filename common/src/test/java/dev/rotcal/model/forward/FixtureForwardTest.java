package dev.rotcal.model.forward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.TestFixtures;
import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.model.safetensors.SafetensorsFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java forward against an independent float64 PyTorch forward (fixtures/README.md): per sequence,
 * every layer's gain-free norm rows and residual stream, the logits and the next-token NLL.
 */
class FixtureForwardTest {
    /** Allowed max |actual − expected| relative to the tensor's largest |expected|. */
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {TestFixtures.TINY_LLAMA3, TestFixtures.TINY_QWEN2})
    void forwardMatchesFloat64Reference(String fixture) throws IOException {
        Path dir = TestFixtures.dir(fixture);
        ModelConfig config = ModelConfig.read(dir.resolve(ModelConfig.FILE_NAME));
        Map<String, float[]> expected = new HashMap<>();
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
            file.tensorNames().forEach(name -> expected.put(name, file.readFloats(name)));
        }
        NpyArrays.IntArray tokens;
        try (InputStream in = Files.newInputStream(dir.resolve("tokens.npy"))) {
            tokens = NpyArrays.readInt64(in);
        }
        ModelWeights weights;
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            weights = ModelWeights.read(checkpoint, config);
        }
        assertThat(weights.lmHead() == weights.embedTokens()).as("%s: lm_head shares embed_tokens iff tied",
                fixture).isEqualTo(config.tieWordEmbeddings());
        try (ModelForward model = ModelForward.of(config, weights)) {
            compare(fixture, model, tokens, expected, config.numHiddenLayers());
        }
    }

    private static void compare(String fixture, ModelForward model, NpyArrays.IntArray tokens,
                                Map<String, float[]> expected, int layers) {
        int sequences = tokens.shape()[0];
        int seqLen = tokens.shape()[1];
        DecoderShape shape = model.layer().shape();
        int d = shape.hidden();
        List<LayerCaptures> captures = new ArrayList<>();
        List<float[]> residuals = new ArrayList<>();
        float[] hidden = model.runLayers(tokens.values(), seqLen, CaptureSwitches.NORM_ROWS, (layer, h, c) -> {
            captures.add(c);
            residuals.add(h.clone());
        });
        float[] logits = model.head().logits(hidden, tokens.values().length);
        double[] nll = model.head().nextTokenNll(hidden, tokens.values(), seqLen);
        int vocab = model.head().vocab();

        for (int s = 0; s < sequences; s++) {
            for (int l = 0; l < captures.size(); l++) {
                String prefix = "seq" + s + ".layers." + l + ".";
                check(fixture, prefix + "attn_in", expected, slice(captures.get(l).attentionInput(), s, seqLen, d));
                check(fixture, prefix + "mlp_in", expected, slice(captures.get(l).mlpInput(), s, seqLen, d));
                check(fixture, prefix + "resid_out", expected, slice(residuals.get(l), s, seqLen, d));
            }
            check(fixture, "seq" + s + ".logits", expected, slice(logits, s, seqLen, vocab));
            float[] seqNll = new float[seqLen - 1];
            for (int t = 0; t < seqLen - 1; t++) {
                seqNll[t] = (float) nll[s * (seqLen - 1) + t];
            }
            check(fixture, "seq" + s + ".nll", expected, seqNll);
        }
        assertThat(captures).as("one capture per layer").hasSize(layers);
        assertThat(model.logits(tokens.values(), seqLen)).as("ModelForward.logits = layers then head")
                .containsExactly(logits);
        assertThat(model.nextTokenNll(tokens.values(), seqLen)).as("ModelForward.nextTokenNll = layers then head")
                .containsExactly(nll);
    }

    private static void check(String fixture, String name, Map<String, float[]> expected, float[] actual) {
        float[] e = expected.get(name);
        assertThat(e).as("%s: expected tensor %s", fixture, name).isNotNull().hasSize(actual.length);
        double maxAbs = 0;
        double scale = 0;
        double maxRel = 0;   // element-wise, over elements at least 1 % of the largest
        for (int i = 0; i < e.length; i++) {
            scale = Math.max(scale, Math.abs(e[i]));
        }
        for (int i = 0; i < e.length; i++) {
            double diff = Math.abs((double) actual[i] - e[i]);
            maxAbs = Math.max(maxAbs, diff);
            if (Math.abs(e[i]) >= 0.01 * scale) {
                maxRel = Math.max(maxRel, diff / Math.abs(e[i]));
            }
        }
        System.out.printf("%s %-26s max|e| %9.4f  max abs err %.3e  rel to max %.3e  max elem rel %.3e%n",
                fixture, name, scale, maxAbs, maxAbs / scale, maxRel);
        assertThat(maxAbs / scale).as("%s %s: max abs error %.3e against max |expected| %.3e", fixture, name,
                maxAbs, scale).isLessThan(TOLERANCE);
    }

    /** Rows [s·seqLen, (s+1)·seqLen) of a (rows, width) block. */
    private static float[] slice(float[] block, int s, int seqLen, int width) {
        assertThat(block).as("captured block").isNotNull();
        return Arrays.copyOfRange(block, s * seqLen * width, (s + 1) * seqLen * width);
    }

}
