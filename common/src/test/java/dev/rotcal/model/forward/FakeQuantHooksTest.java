package dev.rotcal.model.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.TestFixtures;
import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.quant.IntQuantizer;
import dev.rotcal.quant.IntScheme;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The A4KV4 hooks: QuaRot's asymmetric per-token / per-head quantizers at the right sites, end to end. */
class FakeQuantHooksTest {
    private static final Logger LOG = LoggerFactory.getLogger(FakeQuantHooksTest.class);

    @Test
    void perTokenAsymmetricQuantizationOfOneRowByHand() {
        DecoderShape shape = new DecoderShape(4, 4, 1, 1, 4, 1e-6);
        // 3 bits: maxq = 7. Row 0, clip 1: [lo, hi] = [−1.5, 2], s = 3.5 / 7 = 0.5, z = 3;
        // x / s = −3, 0.5, 1.5, 4 → rint (half to even) −3, 0, 2, 4 → x̂ = −1.5, 0, 1, 2.
        // Row 1 is all zero: the range guard [−1, 1] keeps it exactly zero.
        float[] x = {-1.5f, 0.25f, 0.75f, 2f, 0f, 0f, 0f, 0f};   // (2, 4)
        new FakeQuantHooks(shape, 3, ActivationClipRatios.uniform(1f), 4, 1f, 1f).attentionInput(x, 2);
        assertThat(x).containsExactly(-1.5f, 0f, 1f, 2f, 0f, 0f, 0f, 0f);

        // clip 0.5 at the MLP input only: [lo, hi] = [−0.75, 1], s = 1.75 / 7 = 0.25, z = 3;
        // x / s = −6, 1, 3, 8 → clamped to codes [−3, 4] → x̂ = −0.75, 0.25, 0.75, 1.
        float[] y = {-1.5f, 0.25f, 0.75f, 2f};
        ActivationClipRatios clips = new ActivationClipRatios(1f, 0.5f, 1f, 1f);
        new FakeQuantHooks(shape, 3, clips, 4, 1f, 1f).mlpInput(y, 1);
        assertThat(y).containsExactly(-0.75f, 0.25f, 0.75f, 1f);

        // 2 bits, all positive: [lo, hi] = [0, 4], s = 4/3, z = 0; x / s = 0.75, 1.5, 2.25, 3 → 1, 2, 2, 3
        float[] z = {1f, 2f, 3f, 4f};
        new FakeQuantHooks(shape, 2, ActivationClipRatios.uniform(1f), 4, 1f, 1f).oProjInput(z, 1);
        assertThat(z[0]).isCloseTo(4f / 3, within(1e-6f));
        assertThat(z[1]).isCloseTo(8f / 3, within(1e-6f));
        assertThat(z[2]).isCloseTo(8f / 3, within(1e-6f));
        assertThat(z[3]).isCloseTo(4f, within(1e-6f));
    }

    @Test
    void asymmetricPerRowEqualsTheSchemeQuantizerForByteWidths() {
        Random rng = new Random(5);
        float[] x = RandomBlocks.gaussian(rng, 7 * 33, 2);   // (7, 33)
        x[40] = 25f;                                          // an outlier in row 1
        for (int bits = 2; bits <= 8; bits++) {
            for (float clip : new float[] {1f, 0.9f, 0.6f}) {
                float[] expected = new float[x.length];
                IntQuantizer.fakeQuant(x, expected, 7, 33, IntScheme.perRow(bits, false, clip));
                float[] actual = new float[x.length];
                IntQuantizer.fakeQuantAsymmetricPerRow(x, actual, 7, 33, bits, clip);
                assertThat(actual).as("%d bits, clip %s", bits, clip).containsExactly(expected);
            }
        }
    }

    @Test
    void kvCacheIsQuantizedPerTokenAndKvHeadWithItsOwnClipRatios() {
        DecoderShape shape = new DecoderShape(8, 8, 4, 2, 4, 1e-6);
        Random rng = new Random(6);
        float[] k = RandomBlocks.gaussian(rng, 3 * 8, 1);     // (3, 2·4)
        for (int r = 0; r < 3; r++) {
            for (int c = 4; c < 8; c++) {
                k[r * 8 + c] *= 100;                           // KV head 1 is 100× head 0
            }
        }
        float[] v = k.clone();
        FakeQuantHooks hooks = new FakeQuantHooks(shape, 8, ActivationClipRatios.uniform(1f), 4, 0.9f, 0.7f);
        float[] kq = k.clone();
        float[] vq = v.clone();
        hooks.keysValues(kq, vq, 3);
        for (int r = 0; r < 3; r++) {
            for (int g = 0; g < 2; g++) {
                float[] head = Arrays.copyOfRange(k, r * 8 + g * 4, r * 8 + g * 4 + 4);
                float[] expectedK = new float[4];
                IntQuantizer.fakeQuant(head, expectedK, 1, 4, IntScheme.perRow(4, false, 0.9f));
                float[] expectedV = new float[4];
                IntQuantizer.fakeQuant(head, expectedV, 1, 4, IntScheme.perRow(4, false, 0.7f));
                assertThat(Arrays.copyOfRange(kq, r * 8 + g * 4, r * 8 + g * 4 + 4))
                        .as("K of token %d, KV head %d: its own 4-bit range, clip 0.9", r, g)
                        .containsExactly(expectedK);
                assertThat(Arrays.copyOfRange(vq, r * 8 + g * 4, r * 8 + g * 4 + 4))
                        .as("V of token %d, KV head %d: clip 0.7", r, g).containsExactly(expectedV);
            }
        }
    }

    @Test
    void sixteenBitsIsNearFloatAndFourBitsIsNot() {
        Path dir = TestFixtures.dir(TestFixtures.TINY_QWEN2);
        ModelConfig config = ModelConfig.read(dir.resolve(ModelConfig.FILE_NAME));
        ModelWeights weights;
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            weights = ModelWeights.read(checkpoint, config);
        }
        DecoderShape shape = DecoderShape.of(config);
        int seqLen = 16;
        int[] tokens = new int[3 * seqLen];
        Random rng = new Random(8);
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rng.nextInt(config.vocabSize());
        }
        float[] reference = logits(config, weights, LayerHooks.NONE, tokens, seqLen);
        ActivationClipRatios clips = ActivationClipRatios.uniform(1f);
        double error16 = maxRelativeDifference(
                logits(config, weights, new FakeQuantHooks(shape, 16, clips, 16, 1f, 1f), tokens, seqLen), reference);
        double error4 = maxRelativeDifference(
                logits(config, weights, FakeQuantHooks.a4kv4(shape, clips, 1f, 1f), tokens, seqLen), reference);
        double errorKv4 = maxRelativeDifference(
                logits(config, weights, new FakeQuantHooks(shape, 16, clips, 4, 1f, 1f), tokens, seqLen), reference);
        LOG.info("tiny-qwen2 max |Δlogit| / max |logit|: A16KV16 {}, A16KV4 {}, A4KV4 {}", error16, errorKv4,
                error4);
        assertThat(error16).as("16-bit activations and KV are float to ~1e-5").isLessThan(1e-3);
        assertThat(errorKv4).as("a 4-bit KV cache alone is measurable").isGreaterThan(1e-2);
        assertThat(error4).as("A4KV4 is measurably different").isGreaterThan(1e-2);
    }

    @Test
    void refusesUnsupportedBitsAndClipRatios() {
        DecoderShape shape = new DecoderShape(4, 4, 1, 1, 4, 1e-6);
        ActivationClipRatios clips = ActivationClipRatios.uniform(1f);
        assertThatThrownBy(() -> new FakeQuantHooks(shape, 17, clips, 4, 1f, 1f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("17 bits");
        assertThatThrownBy(() -> new FakeQuantHooks(shape, 4, clips, 4, 0f, 1f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("K 0.0");
        assertThatThrownBy(() -> new ActivationClipRatios(1f, 1f, 1.5f, 1f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("o_proj input");
    }

    private static float[] logits(ModelConfig config, ModelWeights weights, LayerHooks hooks, int[] tokens,
                                  int seqLen) {
        try (ModelForward model = ModelForward.of(config, weights, hooks)) {
            return model.logits(tokens, seqLen);
        }
    }

    private static double maxRelativeDifference(float[] actual, float[] expected) {
        double maxDiff = 0;
        double maxAbs = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) actual[i] - expected[i]));
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
        }
        return maxDiff / maxAbs;
    }
}
