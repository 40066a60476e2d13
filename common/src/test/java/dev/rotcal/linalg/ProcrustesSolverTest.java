package dev.rotcal.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ProcrustesSolverTest {
    private static final int D = 256;
    private static ProcrustesProblems.Planted planted;
    private static ProcrustesProblems.Planted noisy;
    private static double[] noisyReference; // (D, D) dgesdd answer to the noisy problem

    static Stream<ProcrustesSolver> solvers() {
        return Stream.of(new SvdProcrustesSolver(Precision.DOUBLE), new SvdProcrustesSolver(Precision.FLOAT),
                new EigenProcrustesSolver(Precision.DOUBLE, false), new EigenProcrustesSolver(Precision.FLOAT, false),
                new EigenProcrustesSolver(), new NewtonSchulzProcrustesSolver(), ProcrustesSolver.defaultSolver());
    }

    @BeforeAll
    static void problems() {
        planted = ProcrustesProblems.planted(4 * D, D, 0.0, 100);
        noisy = ProcrustesProblems.planted(4 * D, D, 0.5, 200);
        noisyReference = new SvdProcrustesSolver(Precision.DOUBLE).solve(noisy.c(), D);
    }

    private static boolean isDouble(ProcrustesSolver solver) {
        return !solver.name().contains("sgesdd") && !solver.name().contains("ssyevd");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void recoversAPlantedRotation(ProcrustesSolver solver) {
        double[] r = solver.solve(planted.c(), D);
        assertThat(MatrixNorms.maxAbsDifference(r, planted.rTrue()))
                .as("%s: B = A·R_true exactly, so R_true is the unique minimizer", solver.name())
                .isLessThan(1e-4);
        assertThat(Orthogonality.maxDeviation(r, D)).as("%s: the result is re-orthonormalized", solver.name())
                .isLessThan(1e-5);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void agreesWithDgesddOnANoisyProblem(ProcrustesSolver solver) {
        double[] r = solver.solve(noisy.c(), D);
        double tolerance = isDouble(solver) ? 1e-10 : 1e-4;
        assertThat(MatrixNorms.maxAbsDifference(r, noisyReference))
                .as("%s: same minimizer as the double SVD", solver.name()).isLessThan(tolerance);
        assertThat(Orthogonality.maxDeviation(r, D)).as("%s: orthogonal", solver.name())
                .isLessThan(isDouble(solver) ? 1e-13 : 1e-5);
        assertThat(noisy.objective(r)).as("%s: the minimizer beats the planted rotation", solver.name())
                .isLessThan(noisy.objective(noisy.rTrue()));
        assertThat(MatrixNorms.maxAbsDifference(r, noisy.rTrue()))
                .as("%s: noise moves the answer away from R_true (the test is not trivial)", solver.name())
                .isGreaterThan(1e-3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void matchesAPlainJacobiSvdOnSmallMatrices(ProcrustesSolver solver) {
        for (int d : List.of(1, 2, 7, 16)) {
            double[] c = ProcrustesProblems.gaussian(d, d, RandomOrthogonal.seededRandom(300 + d));
            double[] reference = PlainLinearAlgebra.jacobiPolarFactor(c, d);
            assertThat(MatrixNorms.maxAbsDifference(solver.solve(c, d), reference))
                    .as("%s at d = %d: U·Vᵀ from a hand-rolled one-sided Jacobi SVD", solver.name(), d)
                    .isLessThan(isDouble(solver) ? 1e-9 : 1e-4);
        }
    }

    static Stream<ProcrustesSolver> doubleSolvers() {
        return solvers().filter(ProcrustesSolverTest::isDouble);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("doubleSolvers")
    void agreesWithDgesddOnADfrotShapedProblem(ProcrustesSolver solver) {
        // ill-conditioned like the real thing (κ ≈ 1e7): outlier channels and α-weighted massive rows.
        // Float solvers are not accurate here (sgesdd is off by ~0.1 in R), see the test below.
        int d = 128;
        double[] c = ProcrustesProblems.dfrotShaped(8 * d, d, 400);
        double[] reference = new SvdProcrustesSolver(Precision.DOUBLE).solve(c, d);
        double[] r = solver.solve(c, d);
        assertThat(MatrixNorms.maxAbsDifference(r, reference))
                .as("%s: same rotation as the double SVD on a DFRot-shaped C", solver.name()).isLessThan(1e-8);
        assertThat(Orthogonality.maxDeviation(r, d)).as("%s: orthogonal", solver.name()).isLessThan(1e-13);
    }

    @Test
    void theEigenSolverFallsBackToDgesddBeyondTheNormalEquationsReach() {
        // κ(C) ≈ 8e7: ε·κ² ≈ 1, the refinement cannot repair U₀
        int d = 128;
        double[] c = ProcrustesProblems.dfrotShaped(2 * d, d, 1);
        double[] svd = new SvdProcrustesSolver(Precision.DOUBLE).solve(c, d);
        assertThat(MatrixNorms.maxAbsDifference(new EigenProcrustesSolver(Precision.DOUBLE, false).solve(c, d), svd))
                .as("without the fallback the normal equations lose C's weak directions").isGreaterThan(1e-3);
        assertThat(new EigenProcrustesSolver().solve(c, d)).as("with it, the answer is dgesdd's")
                .containsExactly(svd);
    }

    @Test
    void theDefaultSwitchesToDgesddForGoodAfterOneFallback() {
        int d = 128;
        double[] hard = ProcrustesProblems.dfrotShaped(2 * d, d, 1);  // κ ≈ 8e7: the eigen solver falls back
        double[] easy = ProcrustesProblems.dfrotShaped(8 * d, d, 400);
        AdaptiveProcrustesSolver solver = new AdaptiveProcrustesSolver();
        solver.solve(easy, d);
        assertThat(solver.usesSvd()).as("a well-enough conditioned C stays with the eigen solver").isFalse();
        assertThat(solver.solve(hard, d)).as("the fallback's answer is dgesdd's")
                .containsExactly(new SvdProcrustesSolver(Precision.DOUBLE).solve(hard, d));
        assertThat(solver.usesSvd()).as("after one fallback the solver stays with dgesdd").isTrue();
        assertThat(solver.solve(easy, d)).as("later solves are dgesdd's")
                .containsExactly(new SvdProcrustesSolver(Precision.DOUBLE).solve(easy, d));
    }

    @Test
    void withFewerRowsThanItsOrderCIsRankDeficientAndTheDefaultGoesStraightToDgesdd() {
        int d = 64;
        double[] c = ProcrustesProblems.dfrotShaped(d / 2, d, 1);   // 32 rows: rank ≤ 32
        AdaptiveProcrustesSolver few = AdaptiveProcrustesSolver.forRows(d / 2, d);
        assertThat(few.usesSvd()).as("no eigen attempt for a C of rank < d").isTrue();
        assertThat(few.solve(c, d)).containsExactly(new SvdProcrustesSolver(Precision.DOUBLE).solve(c, d));
        assertThat(AdaptiveProcrustesSolver.forRows(8L * d, d).usesSvd()).isFalse();
        assertThat(AdaptiveProcrustesSolver.forRows(-1, d).usesSvd()).as("rows unknown").isFalse();
    }

    @Test
    void floatSvdStillNearlyOptimizesTheObjectiveOnADfrotShapedProblem() {
        // its error sits in C's weak directions, where trace(RᵀC) hardly changes
        int d = 128;
        double[] c = ProcrustesProblems.dfrotShaped(8 * d, d, 400);
        double[] r = new SvdProcrustesSolver(Precision.FLOAT).solve(c, d);
        double nuclear = 0;
        for (double s : DenseLinearAlgebra.svd(c, d, Precision.DOUBLE).singularValues()) {
            nuclear += s;
        }
        double trace = 0;
        for (int i = 0; i < d * d; i++) {
            trace += r[i] * c[i];
        }
        assertThat(1 - trace / nuclear).as("sgesdd: trace(RᵀC) within 1e-5 of its maximum ‖C‖_*")
                .isBetween(0.0, 1e-5);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void aRankDeficientCStillGetsAnOrthogonalMinimizer(ProcrustesSolver solver) {
        // fewer rows than columns: C = Aᵀ·B has rank 48 of 64, the minimizer is not unique
        int d = 64;
        ProcrustesProblems.Planted thin = ProcrustesProblems.planted(48, d, 0.1, 500);
        double[] r = solver.solve(thin.c(), d);
        assertThat(Orthogonality.maxDeviation(r, d)).as("%s: orthogonal despite the null space", solver.name())
                .isLessThan(1e-5);
        // every minimizer reaches the maximum of trace(Rᵀ·C), the sum of C's singular values
        double nuclear = 0;
        for (double s : DenseLinearAlgebra.svd(thin.c(), d, Precision.DOUBLE).singularValues()) {
            nuclear += s;
        }
        double trace = 0;
        for (int i = 0; i < d * d; i++) {
            trace += r[i] * thin.c()[i];
        }
        assertThat(trace / nuclear).as("%s: trace(RᵀC) / ‖C‖_* = 1 for a minimizer", solver.name())
                .isBetween(1 - (isDouble(solver) ? 1e-10 : 1e-5), 1 + 1e-10);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("solvers")
    void theScaleOfCDoesNotMatter(ProcrustesSolver solver) {
        double[] c = noisy.c();
        double[] big = c.clone();
        for (int i = 0; i < big.length; i++) {
            big[i] *= 1e30;
        }
        assertThat(MatrixNorms.maxAbsDifference(solver.solve(big, D), solver.solve(c, D)))
                .as("%s: the polar factor of s·C is that of C (1e30 would overflow CᵀC unscaled)", solver.name())
                .isLessThan(isDouble(solver) ? 1e-12 : 1e-5);
    }

    @Test
    void badInputsAreCallerErrors() {
        ProcrustesSolver solver = ProcrustesSolver.defaultSolver();
        assertThatThrownBy(() -> solver.solve(new double[16], 4)).as("all-zero C")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("all zeros");
        double[] nan = new double[16];
        nan[5] = Double.NaN;
        assertThatThrownBy(() -> solver.solve(nan, 4)).as("NaN in C")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("C[1][1] = NaN");
        assertThatThrownBy(() -> solver.solve(new double[15], 4)).as("wrong length")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(4, 4)");
    }

    @Test
    void inputIsNotModified() {
        double[] c = noisy.c().clone();
        solvers().forEach(s -> s.solve(c, D));
        assertThat(c).as("solvers work on copies").containsExactly(noisy.c());
    }
}
