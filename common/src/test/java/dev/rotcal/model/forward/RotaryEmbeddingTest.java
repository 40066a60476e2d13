package dev.rotcal.model.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.rotcal.model.Llama3RopeScaling;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.TestFixtures;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RotaryEmbeddingTest {

    /** HF's _compute_llama3_parameters written as its three masked tensors, element by element. */
    private static double[] llama3Reference(int headDim, double theta, double factor, double low, double high,
                                            int original) {
        double[] out = new double[headDim / 2];
        for (int i = 0; i < out.length; i++) {
            double inv = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
            double wavelen = 2 * Math.PI / inv;
            double llama = wavelen > original / low ? inv / factor : inv;
            double smooth = (original / wavelen - low) / (high - low);
            double smoothed = (1 - smooth) * llama / factor + smooth * llama;
            boolean medium = !(wavelen < original / high) && !(wavelen > original / low);
            out[i] = medium ? smoothed : llama;
        }
        return out;
    }

    @Test
    void llama3FrequenciesMatchHfFormulaInAllThreeBands() {
        int headDim = 64;
        double theta = 10000;
        Llama3RopeScaling scaling = new Llama3RopeScaling(8, 1, 4, 64);
        double[] actual = RotaryEmbedding.llama3(headDim, theta, scaling).inverseFrequencies();
        double[] expected = llama3Reference(headDim, theta, 8, 1, 4, 64);

        int high = 0;
        int medium = 0;
        int low = 0;
        for (int i = 0; i < expected.length; i++) {
            double base = Math.pow(theta, -2.0 * i / headDim);
            double wavelen = 2 * Math.PI / base;
            if (wavelen < 16) {
                high++;
            } else if (wavelen > 64) {
                low++;
            } else {
                medium++;
            }
            assertThat(actual[i]).as("inv_freq[%d] (wavelength %.1f)", i, wavelen)
                    .isCloseTo(expected[i], within(1e-15 * base));
        }
        assertThat(new int[] {high, medium, low}).as("the test must exercise every band of the scaling")
                .doesNotContain(0);
    }

    @Test
    void llama3OnTheTinyFixtureConfigBlendsTheFirstPair() {
        // tiny-llama3: head_dim 16, theta 5e5, factor 8, low 1, high 4, original 16: wavelength 2π is medium
        double[] f = RotaryEmbedding.llama3(16, 500000, new Llama3RopeScaling(8, 1, 4, 16)).inverseFrequencies();
        double smooth = (16 / (2 * Math.PI) - 1) / 3;
        assertThat(f[0]).as("pair 0 blends 1/8 and 1").isCloseTo((1 - smooth) / 8 + smooth, within(1e-15));
        assertThat(f[1]).as("pair 1 (wavelength > 16) is divided by the factor")
                .isCloseTo(Math.pow(500000, -2.0 / 16) / 8, within(1e-15));
    }

    @Test
    void ofConfigUsesTheConfiguredScaling() {
        ModelConfig llama = ModelConfig.read(TestFixtures.dir(TestFixtures.TINY_LLAMA3).resolve(ModelConfig.FILE_NAME));
        ModelConfig qwen = ModelConfig.read(TestFixtures.dir(TestFixtures.TINY_QWEN2).resolve(ModelConfig.FILE_NAME));
        assertThat(RotaryEmbedding.of(llama).inverseFrequencies()).as("tiny-llama3 has llama3 rope_scaling")
                .containsExactly(llama3Reference(16, 500000, 8, 1, 4, 16), within(1e-15));
        assertThat(RotaryEmbedding.of(qwen).inverseFrequencies()).as("tiny-qwen2 has plain RoPE, head_dim 12")
                .containsExactly(RotaryEmbedding.standard(12, 1e6).inverseFrequencies());
    }

    @Test
    void applyRotatesHalvesAsComplexNumbers() {
        Random rng = new Random(31);
        int headDim = 8;
        int nHeads = 3;
        int rows = 5;
        RotaryEmbedding rope = RotaryEmbedding.standard(headDim, 10000);
        double[] inv = rope.inverseFrequencies();
        float[] x = RandomBlocks.gaussian(rng, rows * nHeads * headDim, 1);
        int[] positions = {0, 1, 7, 300, 4095};
        float[] y = x.clone();
        rope.apply(y, rows, nHeads, positions);

        // reference: (x[i] + j·x[i + half]) · e^(j·pos·inv[i]) for every head of every row
        double[] expected = new double[x.length];
        int half = headDim / 2;
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < nHeads; h++) {
                int off = (r * nHeads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    double re = x[off + i];
                    double im = x[off + half + i];
                    double a = positions[r] * inv[i];
                    expected[off + i] = re * Math.cos(a) - im * Math.sin(a);
                    expected[off + half + i] = re * Math.sin(a) + im * Math.cos(a);
                }
            }
        }
        assertThat(RandomBlocks.maxAbsDiff(expected, y)).as("rotate_half RoPE = complex rotation of the pairs")
                .isLessThan(1e-6);
        assertThat(java.util.Arrays.copyOfRange(y, 0, nHeads * headDim))
                .as("position 0 leaves the row unchanged")
                .containsExactly(java.util.Arrays.copyOfRange(x, 0, nHeads * headDim));
    }

    @Test
    void scoresDependOnlyOnRelativePosition() {
        Random rng = new Random(32);
        int headDim = 16;
        RotaryEmbedding rope = RotaryEmbedding.llama3(headDim, 500000, new Llama3RopeScaling(8, 1, 4, 16));
        float[] q = RandomBlocks.gaussian(rng, headDim, 1);
        float[] k = RandomBlocks.gaussian(rng, headDim, 1);
        double near = rotatedDot(rope, q, k, 3, 10);
        double far = rotatedDot(rope, q, k, 103, 110);
        assertThat(far).as("q·k after RoPE depends only on the distance of the positions")
                .isCloseTo(near, within(1e-4));
    }

    private static double rotatedDot(RotaryEmbedding rope, float[] q, float[] k, int pq, int pk) {
        float[] rq = q.clone();
        float[] rk = k.clone();
        rope.apply(rq, 1, 1, new int[] {pq});
        rope.apply(rk, 1, 1, new int[] {pk});
        double dot = 0;
        for (int i = 0; i < q.length; i++) {
            dot += (double) rq[i] * rk[i];
        }
        return dot;
    }
}
