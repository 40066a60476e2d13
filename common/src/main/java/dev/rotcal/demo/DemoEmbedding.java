package dev.rotcal.demo;

import static dev.rotcal.demo.DemoMagnitudes.BACKGROUND_STD;
import static dev.rotcal.demo.DemoMagnitudes.CODE;
import static dev.rotcal.demo.DemoMagnitudes.CODE_WIDTH;
import static dev.rotcal.demo.DemoMagnitudes.CONSTANT;
import static dev.rotcal.demo.DemoMagnitudes.FLAG;
import static dev.rotcal.demo.DemoMagnitudes.MEDIAN_ABS_NORMAL;
import static dev.rotcal.demo.DemoMagnitudes.OUTLIER_CHANNELS;
import static dev.rotcal.demo.DemoMagnitudes.OUTLIER_JITTER;
import static dev.rotcal.demo.DemoMagnitudes.OUTLIER_MAX_RATIO;
import static dev.rotcal.demo.DemoMagnitudes.OUTLIER_MIN_RATIO;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The embedding table. Every row holds c0 = 3σ, its ±σ code, the flag 4σ (delimiter only), the common
 * outliers (fixed sign per channel, 15..25× the typical |h|, ±10 % per token) and N(0, σ²) in the other
 * free channels; D and Z are 0. The free part of each row is then rescaled so that every row has the same
 * norm N: input_layernorm divides by the same rms at every token, so x[c0] is one constant at layer 0 and
 * the rotary self head scores every key alike.
 */
final class DemoEmbedding {
    private final int hidden;
    private final double[] outlierMagnitudes; // (outliers) signed magnitude per outlier channel
    private final double freeEnergy;          // F²: squared norm of the free channels of every row

    private DemoEmbedding(int hidden, double[] outlierMagnitudes, double freeEnergy) {
        this.hidden = hidden;
        this.outlierMagnitudes = outlierMagnitudes;
        this.freeEnergy = freeEnergy;
    }

    static DemoEmbedding of(int hidden, long seed) {
        SplittableRandom random = SeededStreams.stream(seed, "outliers");
        double[] magnitudes = new double[OUTLIER_CHANNELS];
        double energy = 0;
        for (int k = 0; k < OUTLIER_CHANNELS; k++) {
            double ratio = OUTLIER_MIN_RATIO + (OUTLIER_MAX_RATIO - OUTLIER_MIN_RATIO) * random.nextDouble();
            double sign = random.nextBoolean() ? 1 : -1;
            magnitudes[k] = sign * ratio * MEDIAN_ABS_NORMAL * BACKGROUND_STD;
            energy += magnitudes[k] * magnitudes[k];
        }
        int gaussianChannels = hidden - DemoChannels.mechanismChannels() + 2; // massive channels are free too
        energy += gaussianChannels * BACKGROUND_STD * BACKGROUND_STD;
        return new DemoEmbedding(hidden, magnitudes, energy);
    }

    /** N: the norm of every embedding row (before bf16 rounding). */
    double rowNorm() {
        return Math.sqrt(CONSTANT * CONSTANT + CODE_WIDTH * CODE * CODE + freeEnergy);
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
        boolean[] reserved = new boolean[hidden];
        for (int c : ch.reserved()) {
            reserved[c] = true;
        }
        boolean[] outlier = new boolean[hidden];
        for (int c : ch.outliers()) {
            outlier[c] = true;
        }
        SplittableRandom random = SeededStreams.stream(seed, "embed_tokens");
        float[] table = new float[Math.multiplyExact(vocab, hidden)]; // (vocab, hidden)
        double[] row = new double[hidden];                           // (hidden) one row in double
        for (int t = 0; t < vocab; t++) {
            Arrays.fill(row, 0);
            double free = 0;
            for (int c = 0; c < hidden; c++) {
                if (!reserved[c] && !outlier[c]) {
                    row[c] = BACKGROUND_STD * SeededStreams.gaussian(random);
                    free += row[c] * row[c];
                }
            }
            for (int k = 0; k < OUTLIER_CHANNELS; k++) {
                double jitter = 1 + OUTLIER_JITTER * (2 * random.nextDouble() - 1);
                row[ch.outliers()[k]] = outlierMagnitudes[k] * jitter;
                free += row[ch.outliers()[k]] * row[ch.outliers()[k]];
            }
            // same norm for every row: the delimiter's flag takes its energy from the free channels
            double flagEnergy = t == delimiterId ? FLAG * FLAG : 0;
            double scale = Math.sqrt((freeEnergy - flagEnergy) / free);
            for (int c = 0; c < hidden; c++) {
                row[c] *= scale;
            }
            row[ch.constant()] = CONSTANT;
            for (int k = 0; k < CODE_WIDTH; k++) {
                row[ch.code()[k]] = CODE * TokenCodes.sign(codes[t], k);
            }
            if (t == delimiterId) {
                row[ch.flag()] = FLAG;
            }
            for (int c = 0; c < hidden; c++) {
                table[t * hidden + c] = (float) row[c];
            }
        }
        return table;
    }
}
