package dev.rotcal.quant;

import static dev.rotcal.Checks.checkArgument;
import static dev.rotcal.Checks.checkState;

/**
 * An integer quantization scheme (reference/FORMATS.md, QuaRot conventions).
 *
 * <p>Symmetric b-bit: codes −2^(b−1) … 2^(b−1) − 1, s = clip · max|x| / (2^(b−1) − 1), a zero scale → 1.
 * Asymmetric b-bit: codes 0 … 2^b − 1, s = clip · (max − min) / (2^b − 1), z = rint(−clip · min / s),
 * a zero range → min = −1, max = +1. Ranges always include 0 (min ≤ 0 ≤ max), so 0 is exact.
 * Every scale is finally clamped to ≥ {@code minScale} (weights: {@link #WEIGHT_MIN_SCALE}; activations: 0).
 *
 * @param bits        code width, 2..8 (codes fit a byte)
 * @param symmetric   symmetric (signed codes, zero point 0) or asymmetric (unsigned codes + zero point)
 * @param granularity which elements share a scale
 * @param groupSize   elements per group along the row for {@link IntGranularity#PER_GROUP}, else 0
 * @param clipRatio   shrink factor of the observed range, in (0, 1]
 * @param minScale    lower clamp of every scale (≥ 0)
 */
public record IntScheme(int bits, boolean symmetric, IntGranularity granularity, int groupSize, float clipRatio,
                        float minScale) {
    /** Scale floor for weights (QuaRot's 1e-5 guard). */
    public static final float WEIGHT_MIN_SCALE = 1e-5f;

    public IntScheme {
        checkArgument(bits >= 2 && bits <= 8, "Cannot build an INT scheme with %d bits: supported 2..8", bits);
        checkArgument(granularity != null, "Cannot build an INT scheme: granularity is null");
        checkArgument(granularity == IntGranularity.PER_GROUP ? groupSize > 0 : groupSize == 0,
                "Cannot build an INT scheme with group size %d for %s (groups > 0 only for PER_GROUP, else 0)",
                groupSize, granularity);
        checkArgument(clipRatio > 0f && clipRatio <= 1f,
                "Cannot build an INT scheme with clip ratio %s: must be in (0, 1]", clipRatio);
        checkArgument(minScale >= 0f && Float.isFinite(minScale),
                "Cannot build an INT scheme with min scale %s: must be finite and >= 0", minScale);
    }

    /** Per-row (per-token / per-output-channel) scheme for activations (no scale floor). */
    public static IntScheme perRow(int bits, boolean symmetric, float clipRatio) {
        return new IntScheme(bits, symmetric, IntGranularity.PER_ROW, 0, clipRatio, 0f);
    }

    /** Per-column scheme for activations (no scale floor). */
    public static IntScheme perColumn(int bits, boolean symmetric, float clipRatio) {
        return new IntScheme(bits, symmetric, IntGranularity.PER_COLUMN, 0, clipRatio, 0f);
    }

    /** Per-group scheme (groups of {@code groupSize} along the row) for activations (no scale floor). */
    public static IntScheme perGroup(int bits, boolean symmetric, int groupSize, float clipRatio) {
        return new IntScheme(bits, symmetric, IntGranularity.PER_GROUP, groupSize, clipRatio, 0f);
    }

    /** The same scheme with the weight scale floor {@link #WEIGHT_MIN_SCALE}. */
    public IntScheme forWeights() {
        return new IntScheme(bits, symmetric, granularity, groupSize, clipRatio, WEIGHT_MIN_SCALE);
    }

    /** The same scheme with another clip ratio (what a clip search varies). */
    public IntScheme withClipRatio(float ratio) {
        return new IntScheme(bits, symmetric, granularity, groupSize, ratio, minScale);
    }

    /** Smallest code: −2^(b−1) symmetric, 0 asymmetric. */
    public int minCode() {
        return symmetric ? -(1 << (bits - 1)) : 0;
    }

    /** Largest code: 2^(b−1) − 1 symmetric, 2^b − 1 asymmetric; also the divisor of the range (maxq). */
    public int maxCode() {
        return symmetric ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
    }

    /** Elements of a row that share one scale: the row for PER_ROW, the group for PER_GROUP. */
    public int runLength(int cols) {
        checkState(granularity != IntGranularity.PER_COLUMN, "PER_COLUMN has no runs along the row");
        if (granularity == IntGranularity.PER_ROW) {
            return cols;
        }
        Shapes.checkWholeBlocks(cols, groupSize, "INT" + bits + " groups");
        return groupSize;
    }

    /** Number of scales for a (rows, cols) block: rows, cols, or rows · cols / groupSize. */
    public int scaleCount(int rows, int cols) {
        return switch (granularity) {
            case PER_ROW -> rows;
            case PER_COLUMN -> cols;
            case PER_GROUP -> Math.multiplyExact(rows, cols / runLength(cols));
        };
    }
}
