package dev.rotcal.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.Random;
import org.junit.jupiter.api.Test;

class OrthogonalityTest {
    @Test
    void identityHasNoDeviationAndAScaledOneHasAKnownDeviation() {
        int d = 9;
        double[] r = new double[d * d];
        for (int i = 0; i < d; i++) {
            r[i * d + i] = 1;
        }
        assertThat(Orthogonality.maxDeviation(r, d)).as("I is orthogonal").isZero();
        for (int i = 0; i < d; i++) {
            r[i * d + i] = 1.1;
        }
        assertThat(Orthogonality.maxDeviation(r, d)).as("(1.1·I)ᵀ(1.1·I) − I = 0.21·I")
                .isCloseTo(0.21, offset(1e-14));
    }

    @Test
    void matchesThePlainDefinition() {
        int d = 20;
        double[] r = ProcrustesProblems.gaussian(d, d, RandomOrthogonal.seededRandom(21));
        double[] g = PlainLinearAlgebra.multiply(true, false, d, d, d, r, r);
        for (int i = 0; i < d; i++) {
            g[i * d + i] -= 1;
        }
        assertThat(Orthogonality.maxDeviation(r, d)).as("‖RᵀR − I‖_max")
                .isCloseTo(MatrixNorms.maxAbs(g), offset(1e-12));
    }

    @Test
    void nanIsReportedNotHidden() {
        double[] r = {1, 0, 0, Double.NaN};
        assertThat(Orthogonality.maxDeviation(r, 2)).as("a NaN entry must not look orthogonal").isNaN();
    }
}
