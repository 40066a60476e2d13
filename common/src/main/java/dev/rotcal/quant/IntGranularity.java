package dev.rotcal.quant;

/**
 * Which elements of a (rows, cols) row-major block share one scale (and zero point). Rows are tokens for
 * activations and output channels for HF weights stored [out, in]; columns run along the reduction dim.
 */
public enum IntGranularity {
    /** One scale per row: per token (activations), per output channel (weights [out, in]). */
    PER_ROW,
    /** One scale per column: per input channel, shared by all rows (static per-channel activations). */
    PER_COLUMN,
    /** One scale per group of {@code groupSize} consecutive elements of a row (along the reduction dim). */
    PER_GROUP
}
