package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.rotcal.linalg.Hadamard;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerCaptures;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link InputStatistics} and {@link LayerStatistics}: split equals whole (two halves of the rows merged, in either
 * order, equal the statistics of all rows), and the inputs the layer rotates online (o_proj_in by R2, down_proj_in
 * by R4, K by R3, V by R2) against a direct computation with the explicit normalized Hadamard matrix and a plain
 * asymmetric quantizer.
 */
class LayerStatisticsTest {
    /** hidden 32, intermediate 48 = 12·4 (a Paley factor in R4), 4 heads and 2 KV heads of 8. */
    private static final DecoderShape SHAPE = new DecoderShape(32, 48, 4, 2, 8, 1e-6);
    private static final LayerStatistics.Options OPTIONS = new LayerStatistics.Options(4, 4, true, 5);
    private static final int ROWS = 40;

    @Test
    void inputStatisticsOfTwoHalvesMergedInEitherOrderEqualTheWhole() {
        int width = 24;
        float[] x = gaussian(new Random(1), ROWS * width, 1f);
        x[7 * width + 3] = 40f; // an outlier row in the second block of the split below
        int half = 17;
        InputStatistics whole = new InputStatistics(width, 4, true, true, 5).add(x, ROWS, 0);
        for (boolean lowFirst : new boolean[] {true, false}) {
            InputStatistics low = new InputStatistics(width, 4, true, true, 5).add(x, half, 0);
            InputStatistics high = new InputStatistics(width, 4, true, true, 5)
                    .add(Arrays.copyOfRange(x, half * width, ROWS * width), ROWS - half, 1);
            InputStatistics merged = lowFirst ? low.merge(high) : high.merge(low);
            String order = lowFirst ? "low.merge(high)" : "high.merge(low)";
            assertSameStatistics(merged, whole, order, true);
        }
    }

    @Test
    void theSampleIsTheLowestBlocksFirstRowsWhateverTheOrderOfAddsAndMerges() {
        int width = 16;
        Random random = new Random(2);
        float[] block0 = gaussian(random, 8 * width, 1f);
        float[] block1 = gaussian(random, 8 * width, 1f);
        float[] block2 = gaussian(random, 8 * width, 1f);
        InputStatistics a = new InputStatistics(width, 4, true, false, 3).add(block2, 8, 2).add(block0, 8, 0);
        InputStatistics b = new InputStatistics(width, 4, true, false, 3).add(block1, 8, 1);
        InputStatistics c = new InputStatistics(width, 4, true, false, 3).add(block1, 8, 1);
        c.merge(new InputStatistics(width, 4, true, false, 3).add(block2, 8, 2).add(block0, 8, 0));
        assertThat(b.merge(a).sample()).as("block 0 was added after block 2 and merged into block 1's statistics")
                .isEqualTo(Arrays.copyOf(block0, 3 * width));
        assertThat(c.sample()).as("... and the other way round").isEqualTo(Arrays.copyOf(block0, 3 * width));
        assertThat(c.sampleRows()).isEqualTo(3);
        assertThat(c.rows()).isEqualTo(24);
    }

    @Test
    void layerStatisticsOfTwoHalvesMergedInEitherOrderEqualTheWhole() {
        Random random = new Random(3);
        LayerCaptures all = captures(random, ROWS);
        int half = 23;
        LayerStatistics whole = new LayerStatistics(5, SHAPE, OPTIONS).addBlock(all, ROWS, 0);
        for (boolean lowFirst : new boolean[] {true, false}) {
            LayerStatistics low = new LayerStatistics(5, SHAPE, OPTIONS).addBlock(rows(all, 0, half), half, 0);
            LayerStatistics high = new LayerStatistics(5, SHAPE, OPTIONS)
                    .addBlock(rows(all, half, ROWS), ROWS - half, 1);
            LayerStatistics merged = lowFirst ? low.merge(high) : high.merge(low);
            String order = lowFirst ? "low.merge(high)" : "high.merge(low)";
            for (LinearInput input : LinearInput.values()) {
                assertSameStatistics(merged.input(input), whole.input(input), order + " " + input.key(),
                        !input.rotatedByR1());
            }
            assertThat(merged.kvRows()).isEqualTo(ROWS);
            assertRelativelyClose(merged.kvSweeps().key().errors(), whole.kvSweeps().key().errors(), 1e-12,
                    order + " K sweep");
            assertRelativelyClose(merged.kvSweeps().value().errors(), whole.kvSweeps().value().errors(), 1e-12,
                    order + " V sweep");
        }
    }

    @Test
    void onlineRotatedInputsEqualTheExplicitHadamardProduct() {
        Random random = new Random(4);
        LayerCaptures c = captures(random, ROWS);
        LayerStatistics stats = new LayerStatistics(0, SHAPE, OPTIONS).addBlock(c, ROWS, 0);
        int hd = SHAPE.headDim();

        // o_proj_in: every head · H_8/√8; down_proj_in: the whole row · H_48/√48
        double[] oIn = rotatePerHead(c.attentionOutput(), ROWS, SHAPE.qWidth(), hd);
        double[] downIn = rotatePerHead(c.downProjInput(), ROWS, SHAPE.intermediate(), SHAPE.intermediate());
        checkInput(stats.input(LinearInput.O_PROJ_IN), oIn, SHAPE.qWidth(), "o_proj_in (R2 per head)");
        checkInput(stats.input(LinearInput.DOWN_PROJ_IN), downIn, SHAPE.intermediate(), "down_proj_in (R4)");

        // K with R3 and V with R2, both per KV head; quantized per head
        double[] k = rotatePerHead(c.keys(), ROWS, SHAPE.kvWidth(), hd);
        double[] v = rotatePerHead(c.values(), ROWS, SHAPE.kvWidth(), hd);
        float[] ratios = ClipRatioSweep.dfrotRatios();
        double[] keyErrors = new double[ratios.length];
        double[] valueErrors = new double[ratios.length];
        for (int r = 0; r < ratios.length; r++) {
            keyErrors[r] = plainAsymmetricError(toFloat(k), ROWS * SHAPE.nKvHeads(), hd, 4, ratios[r]);
            valueErrors[r] = plainAsymmetricError(toFloat(v), ROWS * SHAPE.nKvHeads(), hd, 4, ratios[r]);
        }
        assertRelativelyClose(stats.kvSweeps().key().errors(), keyErrors, 1e-5, "K sweep under R3");
        assertRelativelyClose(stats.kvSweeps().value().errors(), valueErrors, 1e-5, "V sweep under R2");

        // attn_in / mlp_in are kept as captured (R1 comes later) and not swept
        assertThat(stats.input(LinearInput.ATTN_IN).sample())
                .as("attn_in's sample is the captured rows themselves")
                .isEqualTo(Arrays.copyOf(c.attentionInput(), OPTIONS.sampleRows() * SHAPE.hidden()));
        assertRelativelyClose(stats.input(LinearInput.ATTN_IN).hessian().sumOfOuterProducts(), plainGram(
                toDouble(c.attentionInput()), ROWS, SHAPE.hidden()), 1e-6, "attn_in Hessian sums, un-rotated");
    }

    /** Hessian sums, sweep, per-channel max |x| and the sample of {@code s} against rows computed here. */
    private static void checkInput(InputStatistics s, double[] rotated, int width, String what) {
        float[] rows = toFloat(rotated);
        assertRelativelyClose(s.hessian().sumOfOuterProducts(), plainGram(rotated, ROWS, width), 1e-6,
                what + " Σ XᵀX");
        float[] absMax = new float[width];
        for (int i = 0; i < ROWS; i++) {
            for (int j = 0; j < width; j++) {
                absMax[j] = Math.max(absMax[j], Math.abs(rows[i * width + j]));
            }
        }
        float[] measured = s.channelAbsMax();
        for (int j = 0; j < width; j++) {
            assertThat((double) measured[j]).as("%s channel %d max |x|", what, j)
                    .isCloseTo(absMax[j], offset(1e-5 * (1 + absMax[j])));
        }
        float[] ratios = ClipRatioSweep.dfrotRatios();
        double[] errors = new double[ratios.length];
        for (int r = 0; r < ratios.length; r++) {
            errors[r] = plainAsymmetricError(rows, ROWS, width, 4, ratios[r]);
        }
        assertRelativelyClose(s.sweep().errors(), errors, 1e-5, what + " per-token sweep");
        float[] sample = s.sample();
        assertThat(s.sampleRows()).isEqualTo(OPTIONS.sampleRows());
        for (int i = 0; i < sample.length; i++) {
            assertThat((double) sample[i]).as("%s sample element %d", what, i)
                    .isCloseTo(rows[i], offset(1e-5));
        }
    }

    /** Each (rows, width) row cut into runs of n, each run times the explicit H_n / √n, in double. */
    private static double[] rotatePerHead(float[] x, int rows, int width, int n) {
        byte[] h = Hadamard.matrix(n); // (n, n) ±1
        double norm = 1 / Math.sqrt(n);
        double[] out = new double[rows * width];
        for (int i = 0; i < rows; i++) {
            for (int head = 0; head < width / n; head++) {
                int off = i * width + head * n;
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int l = 0; l < n; l++) {
                        sum += x[off + l] * (double) h[l * n + j];
                    }
                    out[off + j] = sum * norm;
                }
            }
        }
        return out;
    }

    /**
     * Σ (x − Q(x))² of QuaRot's asymmetric quantizer on runs of {@code run} values: range [min(x, 0), max(x, 0)]
     * times the clip ratio, s = range / (2^bits − 1), z = rint(−lo / s), codes clamped to [0, 2^bits − 1].
     */
    static double plainAsymmetricError(float[] x, int runs, int run, int bits, float clip) {
        int maxq = (1 << bits) - 1;
        double sum = 0;
        for (int g = 0; g < runs; g++) {
            float lo = 0;
            float hi = 0;
            for (int j = 0; j < run; j++) {
                lo = Math.min(lo, x[g * run + j]);
                hi = Math.max(hi, x[g * run + j]);
            }
            lo *= clip;
            hi *= clip;
            float s = (hi - lo) / maxq;
            int z = (int) Math.rint(-lo / s);
            for (int j = 0; j < run; j++) {
                float v = x[g * run + j];
                float code = Math.min(Math.max((float) Math.rint(v / s) + z, 0), maxq);
                double d = v - (code - z) * s;
                sum += d * d;
            }
        }
        return sum;
    }

    static double[] plainGram(double[] x, int rows, int width) {
        double[] g = new double[width * width];
        for (int i = 0; i < rows; i++) {
            for (int a = 0; a < width; a++) {
                for (int b = 0; b < width; b++) {
                    g[a * width + b] += x[i * width + a] * x[i * width + b];
                }
            }
        }
        return g;
    }

    private static void assertSameStatistics(InputStatistics merged, InputStatistics whole, String what,
                                             boolean swept) {
        assertThat(merged.rows()).as("%s: rows", what).isEqualTo(whole.rows());
        assertThat(merged.channelAbsMax()).as("%s: per-channel max |x| exactly", what)
                .isEqualTo(whole.channelAbsMax());
        assertThat(merged.sample()).as("%s: the sample is block 0's first rows", what).isEqualTo(whole.sample());
        assertThat(merged.sampleRows()).isEqualTo(whole.sampleRows());
        assertRelativelyClose(merged.hessian().sumOfOuterProducts(), whole.hessian().sumOfOuterProducts(), 1e-6,
                what + ": Σ XᵀX");
        assertThat(merged.hessian().rows()).isEqualTo(whole.hessian().rows());
        if (swept) {
            assertRelativelyClose(merged.sweep().errors(), whole.sweep().errors(), 1e-12, what + ": clip sweep");
        }
    }

    /** max |a − b| ≤ tolerance · max |b|. */
    /** Float32 Hessian sums (as gptq.py's) against a double reference. */
    static void assertRelativelyClose(float[] actual, double[] expected, double tolerance, String what) {
        double[] widened = new double[actual.length];
        for (int i = 0; i < actual.length; i++) {
            widened[i] = actual[i];
        }
        assertRelativelyClose(widened, expected, tolerance, what);
    }

    static void assertRelativelyClose(float[] actual, float[] expected, double tolerance, String what) {
        double[] widened = new double[expected.length];
        for (int i = 0; i < expected.length; i++) {
            widened[i] = expected[i];
        }
        assertRelativelyClose(actual, widened, tolerance, what);
    }

    static void assertRelativelyClose(double[] actual, double[] expected, double tolerance, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
        }
        assertThat(scale).as("%s: something to compare", what).isPositive();
        System.out.printf("%s: max |Δ| / max |expected| = %.3g%n", what, diff / scale);
        assertThat(diff / scale).as("%s: max |Δ| / max |expected|", what).isLessThanOrEqualTo(tolerance);
    }

    /** Random captures of {@code rows} rows with an outlier channel in the attention output. */
    private static LayerCaptures captures(Random random, int rows) {
        float[] attnIn = gaussian(random, rows * SHAPE.hidden(), 1f);
        float[] mlpIn = gaussian(random, rows * SHAPE.hidden(), 1f);
        float[] attnOut = gaussian(random, rows * SHAPE.qWidth(), 0.5f);
        for (int i = 0; i < rows; i++) {
            attnOut[i * SHAPE.qWidth() + 9] *= 30;
        }
        float[] downIn = gaussian(random, rows * SHAPE.intermediate(), 2f);
        float[] keys = gaussian(random, rows * SHAPE.kvWidth(), 3f);
        float[] values = gaussian(random, rows * SHAPE.kvWidth(), 1f);
        return new LayerCaptures(attnIn, mlpIn, new float[rows], new float[rows], attnOut, downIn, keys, values);
    }

    /** Rows [from, to) of every capture. */
    private static LayerCaptures rows(LayerCaptures c, int from, int to) {
        return new LayerCaptures(slice(c.attentionInput(), from, to, SHAPE.hidden()),
                slice(c.mlpInput(), from, to, SHAPE.hidden()), slice(c.attentionInputRms(), from, to, 1),
                slice(c.mlpInputRms(), from, to, 1), slice(c.attentionOutput(), from, to, SHAPE.qWidth()),
                slice(c.downProjInput(), from, to, SHAPE.intermediate()), slice(c.keys(), from, to, SHAPE.kvWidth()),
                slice(c.values(), from, to, SHAPE.kvWidth()));
    }

    private static float[] slice(float[] x, int from, int to, int width) {
        return Arrays.copyOfRange(x, from * width, to * width);
    }

    static float[] gaussian(Random random, int n, float std) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * std);
        }
        return x;
    }

    static float[] toFloat(double[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) x[i];
        }
        return out;
    }

    static double[] toDouble(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }
}
