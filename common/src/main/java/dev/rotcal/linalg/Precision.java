package dev.rotcal.linalg;

/**
 * The floating-point precision a LAPACK factorization runs in. Inputs and outputs stay {@code double[]};
 * {@link #FLOAT} rounds the input to float for the factorization only (about twice as fast, about
 * 10⁻⁷·κ instead of 10⁻¹⁶·κ relative accuracy).
 */
public enum Precision {
    DOUBLE(0x1.0p-52),
    FLOAT(0x1.0p-23);

    private final double epsilon;

    Precision(double epsilon) {
        this.epsilon = epsilon;
    }

    /** Machine epsilon (the gap between 1 and the next representable number). */
    public double epsilon() {
        return epsilon;
    }
}
