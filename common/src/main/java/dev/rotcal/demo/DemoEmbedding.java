package dev.rotcal.demo;

import static dev.rotcal.demo.DemoMagnitudes.BACKGROUND_STD;
import static dev.rotcal.demo.DemoMagnitudes.CODE_WIDTH;
import static dev.rotcal.demo.DemoMagnitudes.MEDIAN_ABS_NORMAL;
import static dev.rotcal.demo.DemoMagnitudes.OUTLIER_CHANNELS;
import static dev.rotcal.demo.DemoMagnitudes.OUTLIER_JITTER;
import static dev.rotcal.demo.DemoMagnitudes.OUTLIER_MAX_RATIO;
import static dev.rotcal.demo.DemoMagnitudes.OUTLIER_MIN_RATIO;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * The embedding table. Every row holds c0 = 3σ, its ±σ code, the flag 4σ (delimiter only), the common
 * outliers (fixed sign per channel, 15..25× the typical |h|, ±10 % per token) and N(0, σ²) in the other
 * free channels; D and Z are 0. The free part of each row is then rescaled so that every row has the same
 * norm N: input_layernorm divides by the same rms at every token, so x[c0] is one constant at layer 0 and
 * the rotary self head scores every key alike. The default demo draws the whole table from one stream
 * ({@link #table}); a real-shaped model draws each row from its own stream ({@link #row}), so rows can be
 * written one chunk at a time and any row can be made alone.
 */
final class DemoEmbedding {
    private final int hidden;
    private final double sigma;               // σ
    private final int codeWidth;              // m
    private final double[] outlierMagnitudes; // (outliers) signed magnitude per outlier channel
    private final double freeEnergy;          // F²: squared norm of the free channels of every row

    private DemoEmbedding(int hidden, double sigma, int codeWidth, double[] outlierMagnitudes, double freeEnergy) {
        this.hidden = hidden;
        this.sigma = sigma;
        this.codeWidth = codeWidth;
        this.outlierMagnitudes = outlierMagnitudes;
        this.freeEnergy = freeEnergy;
    }

    /** The default demo's embedding: σ = {@value DemoMagnitudes#BACKGROUND_STD}, a 32-channel code. */
    static DemoEmbedding of(int hidden, long seed) {
        return of(hidden, seed, BACKGROUND_STD, CODE_WIDTH);
    }

    /** The embedding for background std {@code sigma} and an m-channel code. */
    static DemoEmbedding of(int hidden, long seed, double sigma, int codeWidth) {
        SplittableRandom random = SeededStreams.stream(seed, "outliers");
        double[] magnitudes = new double[OUTLIER_CHANNELS];
        double energy = 0;
        for (int k = 0; k < OUTLIER_CHANNELS; k++) {
            double ratio = OUTLIER_MIN_RATIO + (OUTLIER_MAX_RATIO - OUTLIER_MIN_RATIO) * random.nextDouble();
            double sign = random.nextBoolean() ? 1 : -1;
            magnitudes[k] = sign * ratio * MEDIAN_ABS_NORMAL * sigma;
            energy += magnitudes[k] * magnitudes[k];
        }
        int gaussianChannels = hidden - DemoChannels.mechanismChannels(codeWidth) + 2; // massive channels are free too
        energy += gaussianChannels * sigma * sigma;
        return new DemoEmbedding(hidden, sigma, codeWidth, magnitudes, energy);
    }

    /** N: the norm of every embedding row (before bf16 rounding). */
    double rowNorm() {
        double constant = 3 * sigma;
        double code = sigma;
        return Math.sqrt(constant * constant + codeWidth * code * code + freeEnergy);
    }

    /** r0 = N / √hidden: the rms input_layernorm divides every row by at layer 0. */
    double rowRms() {
        return rowNorm() / Math.sqrt(hidden);
    }

    /**
     * @param codes         (vocab) code masks
     * @param delimiterId   the only token with the flag
     * @return (vocab, hidden) row-major embedding table
     */
    float[] table(DemoChannels ch, int[] codes, int delimiterId, long seed) {
        int vocab = codes.length;
        RowMasks masks = masks(ch);
        SplittableRandom random = SeededStreams.stream(seed, "embed_tokens");
        DoubleSupplier gaussian = () -> SeededStreams.gaussian(random);
        DoubleSupplier uniform = random::nextDouble;
        float[] table = new float[Math.multiplyExact(vocab, hidden)]; // (vocab, hidden)
        double[] row = new double[hidden];                           // (hidden) one row in double
        for (int t = 0; t < vocab; t++) {
            row(ch, masks, codes[t], t == delimiterId, gaussian, uniform, row);
            for (int c = 0; c < hidden; c++) {
                table[t * hidden + c] = (float) row[c];
            }
        }
        return table;
    }

    /** Which channels a row's free Gaussian part skips. */
    record RowMasks(boolean[] reserved, boolean[] outlier) {
    }

    RowMasks masks(DemoChannels ch) {
        boolean[] reserved = new boolean[hidden];
        for (int c : ch.reserved()) {
            reserved[c] = true;
        }
        boolean[] outlier = new boolean[hidden];
        for (int c : ch.outliers()) {
            outlier[c] = true;
        }
        return new RowMasks(reserved, outlier);
    }

    /**
     * One embedding row, in double: free channels σ·gaussian() in channel order, then one uniform() per
     * outlier for its jitter, then the norm fix and the mechanism channels.
     *
     * @param codeMask  bit k set ⇔ code channel k is +σ
     * @param row       (hidden) written
     */
    void row(DemoChannels ch, RowMasks masks, long codeMask, boolean isDelimiter, DoubleSupplier gaussian,
             DoubleSupplier uniform, double[] row) {
        Arrays.fill(row, 0);
        double free = 0;
        for (int c = 0; c < hidden; c++) {
            if (!masks.reserved()[c] && !masks.outlier()[c]) {
                row[c] = sigma * gaussian.getAsDouble();
                free += row[c] * row[c];
            }
        }
        for (int k = 0; k < OUTLIER_CHANNELS; k++) {
            double jitter = 1 + OUTLIER_JITTER * (2 * uniform.getAsDouble() - 1);
            row[ch.outliers()[k]] = outlierMagnitudes[k] * jitter;
            free += row[ch.outliers()[k]] * row[ch.outliers()[k]];
        }
        // same norm for every row: the delimiter's flag takes its energy from the free channels
        double flag = 4 * sigma;
        double flagEnergy = isDelimiter ? flag * flag : 0;
        double scale = Math.sqrt((freeEnergy - flagEnergy) / free);
        for (int c = 0; c < hidden; c++) {
            row[c] *= scale;
        }
        row[ch.constant()] = 3 * sigma;
        for (int k = 0; k < codeWidth; k++) {
            row[ch.code()[k]] = sigma * (((codeMask >>> k) & 1) == 1 ? 1 : -1);
        }
        if (isDelimiter) {
            row[ch.flag()] = flag;
        }
    }
}
