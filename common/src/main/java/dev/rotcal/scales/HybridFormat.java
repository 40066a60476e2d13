package dev.rotcal.scales;

import dev.rotcal.quant.FpFormat;

/** The 4-bit candidates of {@link HqDitChoice}: INT4 or one of the ExMy FP4 formats. */
public enum HybridFormat {
    /** Symmetric INT4, round to nearest, scale from the max (per output channel / per token). */
    INT4(null),
    /** FP4 E3M0 (powers of two). */
    E3M0(FpFormat.E3M0),
    /** FP4 E2M1 (the MX / NV element type). */
    E2M1(FpFormat.E2M1),
    /** FP4 E1M2. */
    E1M2(FpFormat.E1M2);

    private final FpFormat fpFormat;

    HybridFormat(FpFormat fpFormat) {
        this.fpFormat = fpFormat;
    }

    /** The ExMy format, or null for INT4. */
    public FpFormat fpFormat() {
        return fpFormat;
    }

    /** True for the FP candidates. */
    public boolean isFloatingPoint() {
        return fpFormat != null;
    }
}
