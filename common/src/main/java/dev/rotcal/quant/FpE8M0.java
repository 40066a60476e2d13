package dev.rotcal.quant;

import static dev.rotcal.Checks.checkArgument;

/**
 * E8M0, the MX block-scale type (OCP MX v1.0): an unsigned 8-bit biased exponent, X = 2^(E − 127) for
 * E = 0..254 (2^−127 … 2^127); E = 0xFF is NaN. No sign, no mantissa.
 */
public final class FpE8M0 {
    /** Bias of the stored exponent. */
    public static final int BIAS = 127;
    /** Smallest unbiased exponent (E = 0). */
    public static final int MIN_EXPONENT = -127;
    /** Largest unbiased exponent (E = 254). */
    public static final int MAX_EXPONENT = 127;
    /** Code of NaN. */
    public static final int NAN_CODE = 0xFF;

    private FpE8M0() {
    }

    /** Stored code E = exponent + 127 of X = 2^exponent, exponent in −127..127. */
    public static int encode(int exponent) {
        checkArgument(exponent >= MIN_EXPONENT && exponent <= MAX_EXPONENT,
                "Cannot encode 2^%d as E8M0: exponent must be in [-127, 127] (clamp it first)", exponent);
        return exponent + BIAS;
    }

    /** Unbiased exponent of a code (only the low 8 bits are read); checks the code is not NaN. */
    public static int exponent(int code) {
        int e = code & 0xFF;
        checkArgument(e != NAN_CODE, "Cannot read E8M0 code 0xFF: it is NaN");
        return e - BIAS;
    }

    /** X = 2^(E − 127) (2^−127 is a float subnormal, exact); 0xFF decodes to NaN. */
    public static float decode(int code) {
        int e = code & 0xFF;
        return e == NAN_CODE ? Float.NaN : Math.scalb(1f, e - BIAS);
    }
}
