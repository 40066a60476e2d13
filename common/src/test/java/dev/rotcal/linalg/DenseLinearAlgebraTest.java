package dev.rotcal.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class DenseLinearAlgebraTest {
    private static final int D = 37; // odd, not a power of two: catches leading-dimension mistakes

    @ParameterizedTest(name = "transA={0}, transB={1}")
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void gemmMatchesThePlainTripleLoop(boolean transA, boolean transB) {
        int m = 5;
        int n = 7;
        int k = 11;
        Random random = RandomOrthogonal.seededRandom(1);
        double[] a = ProcrustesProblems.gaussian(transA ? k : m, transA ? m : k, random);
        double[] b = ProcrustesProblems.gaussian(transB ? n : k, transB ? k : n, random);
        double[] c = new double[m * n];
        DenseLinearAlgebra.gemm(transA, transB, m, n, k, 1.0, a, b, 0.0, c);
        assertThat(MatrixNorms.maxAbsDifference(c, PlainLinearAlgebra.multiply(transA, transB, m, n, k, a, b)))
                .as("row-major dgemm with op flags must equal the definition").isLessThan(1e-12);

        float[] cf = new float[m * n];
        DenseLinearAlgebra.gemm(transA, transB, m, n, k, 1f, DenseLinearAlgebra.toFloat(a),
                DenseLinearAlgebra.toFloat(b), 0f, cf);
        assertThat(MatrixNorms.maxAbsDifference(DenseLinearAlgebra.toDouble(cf), c))
                .as("sgemm must agree with dgemm to float rounding").isLessThan(1e-4);
    }

    @Test
    void gramIsTheFullSymmetricTransposeProduct() {
        double[] a = ProcrustesProblems.gaussian(13, D, RandomOrthogonal.seededRandom(2)); // (13, D)
        double[] g = DenseLinearAlgebra.gram(a, 13, D);
        assertThat(MatrixNorms.maxAbsDifference(g, PlainLinearAlgebra.multiply(true, false, D, D, 13, a, a)))
                .as("dsyrk's triangle plus the mirror must give aᵀ·a").isLessThan(1e-12);
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void svdReconstructsTheMatrixWithOrthogonalFactors(Precision precision) {
        double[] a = ProcrustesProblems.gaussian(D, D, RandomOrthogonal.seededRandom(3));
        DenseLinearAlgebra.Svd svd = DenseLinearAlgebra.svd(a, D, precision);
        double[] us = svd.u().clone(); // (D, D) U·diag(s)
        for (int i = 0; i < D; i++) {
            for (int j = 0; j < D; j++) {
                us[i * D + j] *= svd.singularValues()[j];
            }
        }
        double tolerance = precision == Precision.DOUBLE ? 1e-12 : 1e-4;
        assertThat(MatrixNorms.maxAbsDifference(PlainLinearAlgebra.multiply(false, false, D, D, D, us, svd.vt()), a))
                .as("U·Σ·Vᵀ must be the row-major input (the column-major transpose trick is easy to get "
                        + "backwards)").isLessThan(tolerance);
        assertThat(Orthogonality.maxDeviation(svd.u(), D)).as("U orthogonal").isLessThan(tolerance);
        assertThat(Orthogonality.maxDeviation(PlainLinearAlgebra.transpose(svd.vt(), D, D), D))
                .as("V orthogonal").isLessThan(tolerance);
        for (int j = 1; j < D; j++) {
            assertThat(svd.singularValues()[j]).as("singular values descend").isLessThanOrEqualTo(
                    svd.singularValues()[j - 1]);
        }
    }

    @Test
    void singularValuesAloneMatchTheFullSvd() {
        double[] a = ProcrustesProblems.gaussian(D, D, RandomOrthogonal.seededRandom(9));
        double[] full = DenseLinearAlgebra.svd(a, D, Precision.DOUBLE).singularValues();
        double[] values = DenseLinearAlgebra.singularValues(a, D);
        for (int j = 0; j < D; j++) {
            assertThat(values[j]).as("σ_%d without vectors", j)
                    .isCloseTo(full[j], org.assertj.core.data.Offset.offset(1e-12 * full[0]));
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void symmetricEigenDiagonalizesWithEigenvectorColumns(Precision precision) {
        double[] a = ProcrustesProblems.gaussian(D, D, RandomOrthogonal.seededRandom(4));
        double[] s = DenseLinearAlgebra.gram(a, D, D);
        DenseLinearAlgebra.SymmetricEigen eigen = DenseLinearAlgebra.symmetricEigen(s, D, precision);
        double[] sv = PlainLinearAlgebra.multiply(false, false, D, D, D, s, eigen.vectors()); // S·V
        double[] vl = eigen.vectors().clone(); // V·Λ
        for (int i = 0; i < D; i++) {
            for (int j = 0; j < D; j++) {
                vl[i * D + j] *= eigen.values()[j];
            }
        }
        double scale = eigen.values()[D - 1];
        double tolerance = precision == Precision.DOUBLE ? 1e-12 : 1e-5;
        assertThat(MatrixNorms.maxAbsDifference(sv, vl) / scale)
                .as("S·v_j = λ_j·v_j with v_j the j-th COLUMN of the row-major result").isLessThan(tolerance);
        assertThat(Orthogonality.maxDeviation(eigen.vectors(), D)).as("V orthogonal").isLessThan(tolerance);
        for (int j = 1; j < D; j++) {
            assertThat(eigen.values()[j]).as("eigenvalues ascend").isGreaterThanOrEqualTo(eigen.values()[j - 1]);
        }
    }

    @Test
    void qrFactorsTheRowMajorMatrix() {
        double[] a = ProcrustesProblems.gaussian(D, D, RandomOrthogonal.seededRandom(5));
        DenseLinearAlgebra.Qr qr = DenseLinearAlgebra.qr(a, D);
        double[] t = PlainLinearAlgebra.multiply(true, false, D, D, D, qr.q(), a); // Qᵀ·A = T
        double maxBelowDiagonal = 0;
        for (int i = 0; i < D; i++) {
            for (int j = 0; j < i; j++) {
                maxBelowDiagonal = Math.max(maxBelowDiagonal, Math.abs(t[i * D + j]));
                assertThat(qr.r()[i * D + j]).as("R is upper triangular").isZero();
            }
        }
        assertThat(maxBelowDiagonal).as("Qᵀ·A must be upper triangular: Q factors A, not Aᵀ").isLessThan(1e-12);
        assertThat(MatrixNorms.maxAbsDifference(PlainLinearAlgebra.multiply(false, false, D, D, D, qr.q(), qr.r()), a))
                .as("Q·R = A with R read back from LAPACK's column-major triangle").isLessThan(1e-12);
        assertThat(Orthogonality.maxDeviation(qr.q(), D)).as("Q orthogonal").isLessThan(1e-13);
    }

    @Test
    void choleskySolvesAndRejectsIndefiniteMatrices() {
        double[] a = ProcrustesProblems.gaussian(2 * D, D, RandomOrthogonal.seededRandom(6));
        double[] s = DenseLinearAlgebra.gram(a, 2 * D, D);
        double[] x = ProcrustesProblems.gaussian(1, D, RandomOrthogonal.seededRandom(7));
        double[] y = x.clone();
        DenseLinearAlgebra.cholesky(s, D).orElseThrow().solveInPlace(y);
        assertThat(MatrixNorms.maxAbsDifference(PlainLinearAlgebra.multiply(false, false, D, 1, D, s, y), x))
                .as("S·(S⁻¹·x) = x").isLessThan(1e-10);
        double[] inverse = DenseLinearAlgebra.cholesky(s, D).orElseThrow().inverse();
        double[] identity = new double[D * D];
        for (int i = 0; i < D; i++) {
            identity[i * D + i] = 1;
            for (int j = 0; j < i; j++) {
                assertThat(inverse[i * D + j]).as("S⁻¹ symmetric at (%d, %d)", i, j).isEqualTo(inverse[j * D + i]);
            }
        }
        assertThat(MatrixNorms.maxAbsDifference(PlainLinearAlgebra.multiply(false, false, D, D, D, s, inverse),
                identity)).as("S·S⁻¹ = I from dpotri").isLessThan(1e-10);
        double[] indefinite = s.clone();
        indefinite[0] = -1;
        assertThat(DenseLinearAlgebra.cholesky(indefinite, D)).as("not positive definite").isEmpty();
    }

    @Test
    void floatWorkspaceSizesAreRoundedUpNotDown() {
        // ssyevd at d = 4096 needs 1 + 6·4096 + 2·4096² = 33,579,009 floats; as a float that reads 33,579,008
        long needed = 1 + 6L * 4096 + 2L * 4096 * 4096;
        float reported = (float) needed;
        assertThat((long) reported).as("the float report is too small (LAPACK then rejects LWORK)")
                .isLessThan(needed);
        assertThat((long) DenseLinearAlgebra.floatWorkspace(reported, 0, "ssyevd", 4096))
                .as("rounded up from the report alone").isGreaterThanOrEqualTo(needed);
        assertThat((long) DenseLinearAlgebra.floatWorkspace(Float.NaN, needed, "ssyevd", 4096))
                .as("the documented minimum when there is no report").isEqualTo(needed);
    }

    @Test
    void transposeInPlaceMatchesTheCopy() {
        double[] a = ProcrustesProblems.gaussian(D, D, RandomOrthogonal.seededRandom(8));
        double[] t = a.clone();
        DenseLinearAlgebra.transposeInPlace(t, D);
        assertThat(t).as("in-place transpose").containsExactly(PlainLinearAlgebra.transpose(a, D, D));
    }

    @Test
    void shapeMistakesAreCallerErrors() {
        assertThatThrownBy(() -> DenseLinearAlgebra.svd(new double[10], 3, Precision.DOUBLE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Cannot take the SVD");
        assertThatThrownBy(() -> DenseLinearAlgebra.gemm(false, false, 2, 2, 2, 1.0, new double[4],
                new double[3], 0.0, new double[4])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void blasThreadsCanBeSetAndRead() {
        int before = DenseLinearAlgebra.blasThreads();
        DenseLinearAlgebra.setBlasThreads(1);
        assertThat(DenseLinearAlgebra.blasThreads()).as("the setting is visible").isEqualTo(1);
        DenseLinearAlgebra.setBlasThreads(before);
    }
}
