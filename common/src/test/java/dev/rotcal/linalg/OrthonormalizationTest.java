package dev.rotcal.linalg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class OrthonormalizationTest {
    @Test
    void anOrthogonalMatrixComesBackUnchanged() {
        int d = 128;
        double[] r = RandomOrthogonal.matrix(d, 11);
        assertThat(MatrixNorms.maxAbsDifference(Orthonormalization.reorthonormalize(r, d), r))
                .as("QR with diag(T) > 0 of an orthogonal R is R itself").isLessThan(1e-13);
    }

    @Test
    void aDriftedRotationBecomesOrthogonalAndStaysClose() {
        int d = 128;
        double[] r = RandomOrthogonal.matrix(d, 12);
        double[] drifted = r.clone();
        Random random = RandomOrthogonal.seededRandom(13);
        for (int i = 0; i < drifted.length; i++) {
            drifted[i] += 1e-6 * random.nextGaussian();
        }
        double[] q = Orthonormalization.reorthonormalize(drifted, d);
        assertThat(Orthogonality.maxDeviation(drifted, d)).as("the input is off").isGreaterThan(1e-6);
        assertThat(Orthogonality.maxDeviation(q, d)).as("the output is orthogonal").isLessThan(1e-14);
        assertThat(MatrixNorms.maxAbsDifference(q, r)).as("and moves only by about the drift").isLessThan(1e-4);
    }

    @Test
    void positiveQrKeepsTheFactorizationAndMakesTheDiagonalPositive() {
        int d = 32;
        double[] a = ProcrustesProblems.gaussian(d, d, RandomOrthogonal.seededRandom(15));
        DenseLinearAlgebra.Qr qr = Orthonormalization.positiveQr(a, d);
        for (int i = 0; i < d; i++) {
            assertThat(qr.r()[i * d + i]).as("T[%d][%d] after the sign fix", i, i).isPositive();
        }
        assertThat(MatrixNorms.maxAbsDifference(PlainLinearAlgebra.multiply(false, false, d, d, d, qr.q(), qr.r()), a))
                .as("flipping column j of Q together with row j of T keeps Q·T = A").isLessThan(1e-12);
    }

    @Test
    void matchesPlainGramSchmidt() {
        int d = 24;
        double[] a = ProcrustesProblems.gaussian(d, d, RandomOrthogonal.seededRandom(14));
        assertThat(MatrixNorms.maxAbsDifference(Orthonormalization.reorthonormalize(a, d),
                PlainLinearAlgebra.gramSchmidtQ(a, d)))
                .as("Householder QR with the sign fix equals Gram–Schmidt (unique Q with diag(T) > 0)")
                .isLessThan(1e-11);
    }
}
