package dev.rotcal.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class NewtonSchulzProcrustesSolverTest {
    @Test
    void theMinimaxCubicIsNewtonSchulzAtOneAndWidensSmallIntervals() {
        NewtonSchulzProcrustesSolver.Cubic ns = NewtonSchulzProcrustesSolver.Cubic.minimaxOn(1.0);
        assertThat(ns.a()).as("a at ℓ = 1").isCloseTo(1.5, offset(1e-15));
        assertThat(ns.b()).as("b at ℓ = 1").isCloseTo(-0.5, offset(1e-15));
        for (double l : new double[] {1e-8, 1e-4, 0.01, 0.3, 0.9}) {
            NewtonSchulzProcrustesSolver.Cubic cubic = NewtonSchulzProcrustesSolver.Cubic.minimaxOn(l);
            assertThat(cubic.nextLower()).as("ℓ = %s: the interval must shrink towards 1", l).isGreaterThan(l);
            for (int k = 0; k <= 1000; k++) {
                double x = l + (1 - l) * k / 1000.0;
                double y = cubic.a() * x + cubic.b() * x * x * x;
                assertThat(y).as("ℓ = %s: p(%s) must stay in [nextLower, 1]", l, x)
                        .isBetween(cubic.nextLower() - 1e-12, 1 + 1e-12);
            }
        }
        assertThat(NewtonSchulzProcrustesSolver.Cubic.minimaxOn(1e-6).nextLower() / 1e-6)
                .as("small singular values grow ~2.6× per step, plain Newton–Schulz only 1.5×")
                .isGreaterThan(2.5);
    }

    @Test
    void convergesInFewStepsOnAWellConditionedProblem() {
        int d = 128;
        ProcrustesProblems.Planted planted = ProcrustesProblems.planted(4 * d, d, 0.0, 600);
        NewtonSchulzProcrustesSolver.Result result = new NewtonSchulzProcrustesSolver().iterate(planted.c(), d);
        assertThat(result.converged()).as("κ(C) ≈ 9 converges").isTrue();
        assertThat(result.iterations()).as("scaled start + minimax cubics: about a dozen steps")
                .isLessThanOrEqualTo(14);
        assertThat(MatrixNorms.maxAbsDifference(result.r(), planted.rTrue())).as("the planted rotation")
                .isLessThan(1e-10);
    }

    @Test
    void aRankDeficientCFallsBackToTheEigenSolver() {
        int d = 32;
        ProcrustesProblems.Planted thin = ProcrustesProblems.planted(20, d, 0.0, 700);
        NewtonSchulzProcrustesSolver solver = new NewtonSchulzProcrustesSolver();
        assertThat(solver.iterate(thin.c(), d).converged()).as("zero singular values never converge").isFalse();
        assertThat(MatrixNorms.maxAbsDifference(solver.solve(thin.c(), d),
                new EigenProcrustesSolver().solve(thin.c(), d)))
                .as("solve() returns the eigen solver's minimizer instead").isLessThan(1e-12);
    }
}
