package dev.rotcal.dfrot;

import static dev.rotcal.Checks.checkArgument;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Seeded synthetic calibration rows with the statistics of DFRot's rows (reference/DFROT.md, "Massive
 * activations"), for tests, demos and sanity checks of the refinement without a model.
 *
 * <p>What is generated, row by row ({@code h} is the residual stream, {@code x} the row DFRot calibrates on):
 * <ul>
 *   <li><b>Common rows</b>: h_j ~ N(0, 1) on every channel, except a fixed set of {@code outlierChannels}
 *       channels (default 6, drawn once per seed, never a massive channel) where h_j ~ N(0, s²) with
 *       s = {@code outlierScale} (default 25): the systematic outlier channels that make 4-bit per-token
 *       quantization of un-rotated rows poor.</li>
 *   <li><b>Massive rows</b> (Sun et al., LLaMA2-7B): h_j ~ N(0, σ²) with σ = {@code massiveResidualStd}
 *       (default 0.4), plus two fixed channels, 2533 and 1415 (scaled to ⌊c·d/4096⌋ when d &lt; 4096), set to
 *       +767.6 / −458.55 (a first token) or +2546.8 / −1502.0 (the first delimiter). Massive rows alternate
 *       the two kinds, first token first, and sit at seeded random positions among the rows.</li>
 *   <li><b>Normalization</b>: x = h / sqrt(mean(h²) + eps), the output of an RMSNorm whose gain was folded
 *       into the next linear layer, so ‖x‖ ≈ √d (64 for d = 4096). eps defaults to 1e-5.</li>
 * </ul>
 *
 * <p>What the defaults give: mean 4-bit symmetric per-token L2 error ‖x·R − Q(x·R)‖₂ at d = 4096 with 4000
 * common and 4 massive rows (SyntheticActivationsTest; DFROT.md's expectation in brackets):
 * <pre>
 *             NR            RO             RH
 * common      45.5 [≈ 45]   10.1 [≈ 10]    9.4 [≈ 9.4]
 * massive     1.7  [≈ 1.7]  10.3 [≈ 10.9]  3.75 [≈ 4.2]
 * </pre>
 * Common rows: without rotation the outlier channels set the scale and most channels round to 0; any
 * rotation spreads them. Massive rows: un-rotated they quantize almost exactly (two channels, the rest
 * tiny); RO turns them into a Gaussian-like vector of norm √d, as bad as a common row; RH turns the two
 * channels into a two-level ±c vector that 4-bit max-abs represents well, so its error comes mostly from
 * the residual noise (numpy checks: σ = 0.1 gives RH ≈ 2.3, σ = 1 gives RH ≈ 4.4 with NR ≈ 3.3). The massive
 * rows' RO error is one draw
 * (all massive rows rotate to nearly the same vector) and moves with the RO seed (9.1–10.3 seen).
 * Under the magnitude rule (some |h| &gt; 100 and &gt; 1000× the row's median |h|) exactly the massive rows
 * qualify: 25σ outliers stay far below 1000 × median |h|.
 */
public final class SyntheticActivations {
    /** LLaMA2-7B's massive channels at d = 4096 (Sun et al.). */
    static final int[] LLAMA2_7B_CHANNELS = {2533, 1415};
    /** Values on those channels for a first token (residual stream). */
    static final float[] FIRST_TOKEN_VALUES = {767.6f, -458.55f};
    /** Values on those channels for the first delimiter token (residual stream). */
    static final float[] DELIMITER_VALUES = {2546.8f, -1502.0f};

    private SyntheticActivations() {
    }

    /**
     * How to generate.
     *
     * @param d                  row width (hidden size), ≥ 8
     * @param commonRows         number of common rows
     * @param massiveRows        number of massive rows
     * @param outlierChannels    number of outlier channels of common rows
     * @param outlierScale       standard deviation of the outlier channels (the others have 1)
     * @param massiveResidualStd standard deviation of the massive rows' non-massive channels
     * @param rmsNormEps         eps of the normalization
     * @param seed               seed of everything
     */
    public record Recipe(int d, int commonRows, int massiveRows, int outlierChannels, double outlierScale,
                         double massiveResidualStd, double rmsNormEps, long seed) {
        public Recipe {
            checkArgument(d >= 8, "Cannot generate rows of width %d: need d >= 8", d);
            checkArgument(commonRows >= 0 && massiveRows >= 0,
                    "Cannot generate %d common and %d massive rows: counts must be >= 0", commonRows, massiveRows);
            checkArgument(outlierChannels >= 0 && outlierChannels <= d - 2,
                    "Cannot plant %d outlier channels at d = %d: need 0..d-2 (two channels are the massive ones)",
                    outlierChannels, d);
            checkArgument(outlierScale > 0 && massiveResidualStd >= 0 && rmsNormEps > 0,
                    "Cannot generate with outlierScale %s, massiveResidualStd %s, rmsNormEps %s: need > 0, >= 0, > 0",
                    outlierScale, massiveResidualStd, rmsNormEps);
            Math.multiplyExact(Math.addExact(commonRows, massiveRows), d);
        }

        /** DFROT.md's recipe: 6 outlier channels × 25, massive residual σ = 0.4, eps = 1e-5. */
        public static Recipe llama2Like(int d, int commonRows, int massiveRows, long seed) {
            return new Recipe(d, commonRows, massiveRows, 6, 25.0, 0.4, 1e-5, seed);
        }

        public Recipe withOutliers(int count, double scale) {
            return new Recipe(d, commonRows, massiveRows, count, scale, massiveResidualStd, rmsNormEps, seed);
        }

        public Recipe withMassiveResidualStd(double std) {
            return new Recipe(d, commonRows, massiveRows, outlierChannels, outlierScale, std, rmsNormEps, seed);
        }

        public int totalRows() {
            return commonRows + massiveRows;
        }
    }

    /**
     * Generated rows and the ground truth.
     *
     * @param d               row width
     * @param count           number of rows
     * @param residual        (count, d) row-major residual-stream rows h
     * @param normalized      (count, d) row-major normalized rows x = h / rms(h)
     * @param massive         (count) true for the planted massive rows
     * @param outlierChannels the common rows' outlier channels, ascending
     * @param massiveChannels the two massive channels
     */
    public record Rows(int d, int count, float[] residual, float[] normalized, boolean[] massive,
                       int[] outlierChannels, int[] massiveChannels) {
        public int massiveCount() {
            int n = 0;
            for (boolean m : massive) {
                n += m ? 1 : 0;
            }
            return n;
        }
    }

    /** Generates the rows of a recipe; the same recipe always gives the same rows. */
    public static Rows generate(Recipe recipe) {
        int d = recipe.d();
        int count = recipe.totalRows();
        SplittableRandom random = new SplittableRandom(recipe.seed());
        int[] massiveChannels = {massiveChannel(LLAMA2_7B_CHANNELS[0], d), massiveChannel(LLAMA2_7B_CHANNELS[1], d)};
        int[] outliers = pickOutlierChannels(random, d, recipe.outlierChannels(), massiveChannels);
        boolean[] massive = pickMassivePositions(random, count, recipe.massiveRows());

        float[] residual = new float[Math.multiplyExact(count, d)]; // (count, d) row-major
        int massiveSeen = 0;
        for (int i = 0; i < count; i++) {
            int off = i * d;
            if (massive[i]) {
                // small Gaussian residual + two bias-like channels, kinds alternating
                for (int j = 0; j < d; j++) {
                    residual[off + j] = (float) (recipe.massiveResidualStd() * random.nextGaussian());
                }
                float[] values = massiveSeen % 2 == 0 ? FIRST_TOKEN_VALUES : DELIMITER_VALUES;
                residual[off + massiveChannels[0]] += values[0];
                residual[off + massiveChannels[1]] += values[1];
                massiveSeen++;
            } else {
                // N(0, 1) everywhere, N(0, s²) on the outlier channels
                for (int j = 0; j < d; j++) {
                    residual[off + j] = (float) random.nextGaussian();
                }
                for (int c : outliers) {
                    residual[off + c] *= (float) recipe.outlierScale();
                }
            }
        }
        float[] normalized = rmsNormalize(residual, count, d, recipe.rmsNormEps());
        return new Rows(d, count, residual, normalized, massive, outliers, massiveChannels);
    }

    /**
     * x = h / sqrt(mean(h²) + eps) per row, a gain-free RMSNorm.
     *
     * @param h (nRows, d) row-major
     * @return (nRows, d) row-major
     */
    public static float[] rmsNormalize(float[] h, int nRows, int d, double eps) {
        float[] x = new float[Math.multiplyExact(nRows, d)]; // (nRows, d) row-major
        for (int i = 0; i < nRows; i++) {
            int off = i * d;
            double sumSquares = 0;
            for (int j = off; j < off + d; j++) {
                sumSquares += (double) h[j] * h[j];
            }
            double inverseRms = 1.0 / Math.sqrt(sumSquares / d + eps);
            for (int j = off; j < off + d; j++) {
                x[j] = (float) (h[j] * inverseRms);
            }
        }
        return x;
    }

    /** LLaMA2-7B's channel c at d = 4096, scaled to ⌊c·d/4096⌋ for narrower rows. */
    static int massiveChannel(int channel, int d) {
        return d >= 4096 ? channel : (int) ((long) channel * d / 4096);
    }

    private static int[] pickOutlierChannels(SplittableRandom random, int d, int k, int[] excluded) {
        int[] channels = new int[d];
        int n = 0;
        for (int j = 0; j < d; j++) {
            if (j != excluded[0] && j != excluded[1]) {
                channels[n++] = j;
            }
        }
        partialShuffle(random, channels, n, k);
        int[] picked = Arrays.copyOf(channels, k);
        Arrays.sort(picked);
        return picked;
    }

    private static boolean[] pickMassivePositions(SplittableRandom random, int count, int k) {
        int[] positions = new int[count];
        for (int i = 0; i < count; i++) {
            positions[i] = i;
        }
        partialShuffle(random, positions, count, k);
        boolean[] massive = new boolean[count];
        for (int i = 0; i < k; i++) {
            massive[positions[i]] = true;
        }
        return massive;
    }

    /** Fisher–Yates over the first k slots: a[0..k) becomes a uniform sample of a[0..n) without repeats. */
    private static void partialShuffle(SplittableRandom random, int[] a, int n, int k) {
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(n - i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
