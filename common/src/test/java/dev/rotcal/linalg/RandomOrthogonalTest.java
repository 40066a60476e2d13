package dev.rotcal.linalg;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RandomOrthogonalTest {
    @Test
    void isOrthogonalAndDeterministicPerSeed() {
        int d = 256;
        double[] r = RandomOrthogonal.matrix(d, 42);
        assertThat(Orthogonality.maxDeviation(r, d)).as("orthogonal to rounding").isLessThan(1e-13);
        assertThat(RandomOrthogonal.matrix(d, 42)).as("same seed, same matrix").containsExactly(r);
        assertThat(MatrixNorms.maxAbsDifference(RandomOrthogonal.matrix(d, 43), r))
                .as("another seed, another matrix").isGreaterThan(0.1);
    }

    @Test
    void traceHasTheHaarMoments() {
        // For Haar measure on O(d), d ≥ 2: E[tr Q] = 0 and E[(tr Q)²] = 1 (Diaconis–Shahshahani). Without
        // the sign fix, LAPACK's Householder convention biases the diagonal and E[tr Q] is far from 0.
        int d = 4;
        int samples = 4000;
        double sum = 0;
        double sumSquares = 0;
        for (int s = 0; s < samples; s++) {
            double[] q = RandomOrthogonal.matrix(d, 1000 + s);
            double trace = 0;
            for (int i = 0; i < d; i++) {
                trace += q[i * d + i];
            }
            sum += trace;
            sumSquares += trace * trace;
        }
        // standard errors: 1/√4000 ≈ 0.016 for the mean, ≈ 0.022 for the second moment
        assertThat(sum / samples).as("E[tr Q] = 0 under Haar measure").isBetween(-0.08, 0.08);
        assertThat(sumSquares / samples).as("E[(tr Q)²] = 1 under Haar measure").isBetween(0.9, 1.1);
    }
}
