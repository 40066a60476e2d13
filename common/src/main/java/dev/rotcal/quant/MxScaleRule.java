package dev.rotcal.quant;

/**
 * How an MXFP4 block picks its E8M0 scale X = 2^shared_exp from the block's max |V| (amax). The element
 * format E2M1 has emax = 2 (its largest value 6 = 1.5 · 2^2).
 */
public enum MxScaleRule {
    /**
     * OCP MX v1.0: shared_exp = floor(log2(amax)) − 2. amax / X lies in [4, 8), so block maxima in
     * [6, 8) · X saturate to 6.
     */
    OCP_FLOOR,
    /**
     * "even": amax is first rounded to one mantissa bit (a tie goes up), then the OCP rule. A block
     * max ≥ 1.75 · 2^k moves up one binade, which bounds the saturation error.
     */
    EVEN,
    /** RCEIL (NVIDIA hardware): X = 2^ceil(log2(amax / 6)), the smallest power of two with amax / X ≤ 6. */
    RCEIL
}
