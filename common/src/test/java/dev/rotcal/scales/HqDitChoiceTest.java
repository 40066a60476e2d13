package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** HQ-DiT-style choice by measured layer-output error: heavy tails favour FP4, uniform data INT4. */
class HqDitChoiceTest {
    private static final int N = 64;
    private static final int IN = 128;
    private static final int OUT = 32;

    @Test
    void heavyTailedRowsPickAFloatingPointFormat() {
        Random rnd = new Random(51);
        float[] x = WeightClipSearchEquivalenceTest.studentT(rnd, N, IN, 2);
        float[] w = WeightClipSearchEquivalenceTest.studentT(rnd, OUT, IN, 2);
        HqDitResult result = HqDitChoice.choose(w, OUT, IN, x, N);
        report("student-t(2)", result);
        assertThat(result.winner().isFloatingPoint())
                .as("Student-t(2): FP's dense grid near 0 beats INT4's uniform steps (errors %s)",
                        Arrays.toString(result.errors()))
                .isTrue();
        assertThat(result.winner()).as("measured: E3M0 (powers of two) fits Student-t(2) best")
                .isEqualTo(HybridFormat.E3M0);
        assertThat(result.error(HybridFormat.INT4)).isGreaterThan(result.error(result.winner()));
        checkConsistent(result);
    }

    @Test
    void uniformRowsPickInt4AndE1M2IsTheSameGrid() {
        Random rnd = new Random(52);
        float[] x = uniform(rnd, N, IN);
        float[] w = uniform(rnd, OUT, IN);
        HqDitResult all = HqDitChoice.choose(w, OUT, IN, x, N);
        report("uniform", all);
        // E1M2 with maxval at the row max is u·{0, 0.25, …, 1.75}: 7 even steps of max / 7, INT4's grid without
        // the unused code −8. The two errors differ only by float rounding of the scales (measured 1.5e-8 relative).
        assertThat(all.error(HybridFormat.E1M2)).as("E1M2 = INT4 up to rounding")
                .isCloseTo(all.error(HybridFormat.INT4), within(1e-6 * all.error(HybridFormat.INT4)));
        assertThat(all.winner()).as("one of the two uniform grids wins").isIn(HybridFormat.INT4, HybridFormat.E1M2);
        HqDitResult distinct = HqDitChoice.choose(w, OUT, IN, x, N,
                List.of(HybridFormat.INT4, HybridFormat.E3M0, HybridFormat.E2M1));
        assertThat(distinct.winner()).as("uniform data: evenly spaced levels beat E2M1 / E3M0 (errors %s)",
                Arrays.toString(distinct.errors())).isEqualTo(HybridFormat.INT4);
        assertThat(distinct.relativeMargin()).as("by a wide margin over E2M1").isGreaterThan(1.0);
        checkConsistent(all);
        checkConsistent(distinct);
    }

    private static void checkConsistent(HqDitResult result) {
        for (HybridFormat f : result.candidates()) {
            assertThat(result.error(result.winner())).as("winner vs %s", f).isLessThanOrEqualTo(result.error(f));
            if (f != result.winner()) {
                assertThat(result.error(result.runnerUp())).as("runner-up vs %s", f)
                        .isLessThanOrEqualTo(result.error(f));
            }
        }
        assertThat(result.margin()).isEqualTo(result.error(result.runnerUp()) - result.error(result.winner()))
                .isGreaterThanOrEqualTo(0);
    }

    private static void report(String what, HqDitResult result) {
        System.out.printf("HqDitChoice %s: errors %s %s, winner %s, runner-up %s, margin %.4f (%.1f %%)%n", what,
                result.candidates(), Arrays.toString(result.errors()), result.winner(), result.runnerUp(),
                result.margin(), 100 * result.relativeMargin());
    }

    private static float[] uniform(Random rnd, int rows, int cols) {
        float[] x = new float[rows * cols]; // (rows, cols)
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * rnd.nextDouble() - 1);
        }
        return x;
    }
}
