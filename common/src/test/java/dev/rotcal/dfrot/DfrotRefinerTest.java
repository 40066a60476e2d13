package dev.rotcal.dfrot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.rotcal.linalg.Orthogonality;
import dev.rotcal.linalg.RandomizedHadamard;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DFROT.md's check: d = 512, 4000 common rows, 4 massive rows, 100 iterations from a randomized Hadamard.
 * Its table: RH 2.72 / 1.16, α = 1 2.29 / 1.12, α = 100 2.29 / 0.30 (common / massive mean error).
 */
class DfrotRefinerTest {
    private static final Logger LOG = LoggerFactory.getLogger(DfrotRefinerTest.class);
    private static final int D = 512;
    private static final int ITERATIONS = 100;
    private static final long SEED = 2024;

    private static SyntheticActivations.Rows rows;
    private static ClassErrorSums rh;
    private static DfrotRefiner.Result plain;
    private static DfrotRefiner.Result weighted;

    @BeforeAll
    static void refineWithAlphaOneAndAlphaHundred() {
        rows = SyntheticActivations.generate(SyntheticActivations.Recipe.llama2Like(D, 4000, 4, SEED));
        rh = ClassQuantizationError.rotated(rows.normalized(), rows.count(), D, rows.massive(),
                RandomizedHadamard.matrix(D, SEED));
        DfrotRefiner.Settings settings = DfrotRefiner.Settings.defaults().withIterations(ITERATIONS)
                .withInit(DfrotRefiner.Init.RANDOMIZED_HADAMARD, SEED);
        plain = new DfrotRefiner(settings.withAlpha(1)).refine(rows.normalized(), rows.count(), D, rows.massive());
        weighted = new DfrotRefiner(settings.withAlpha(100)).refine(rows.normalized(), rows.count(), D,
                rows.massive());
        LOG.info("d={} mean error common / massive: RH {} / {}, alpha=1 {} / {}, alpha=100 {} / {}", D,
                f(rh.commonMean()), f(rh.massiveMean()), f(plain.finalErrors().commonMean()),
                f(plain.finalErrors().massiveMean()), f(weighted.finalErrors().commonMean()),
                f(weighted.finalErrors().massiveMean()));
        for (DfrotRefiner.Result result : new DfrotRefiner.Result[] {plain, weighted}) {
            double[] curve = result.lossCurve();
            double min = Double.MAX_VALUE;
            int argmin = 0;
            for (int k = 0; k < curve.length; k++) {
                if (curve[k] < min) {
                    min = curve[k];
                    argmin = k;
                }
            }
            LOG.info("weighted loss curve: first {}, min {} (after step {}), last {}, monotone {}", f(curve[0]), f(min),
                    argmin, f(curve[curve.length - 1]), result.monotone());
        }
    }

    @Test
    void alphaHundredLowersTheMassiveErrorBelowRandomizedHadamardAndPlainProcrustes() {
        assertThat(weighted.finalErrors().massiveMean())
                .as("α = 100 should push the massive rows' error below RH's")
                .isLessThan(rh.massiveMean());
        assertThat(weighted.finalErrors().massiveMean())
                .as("α = 100 should push the massive rows' error below plain Procrustes (α = 1) from the same start")
                .isLessThan(plain.finalErrors().massiveMean());
        assertThat(weighted.finalErrors().commonMean())
                .as("up-weighting massive rows should not cost the common rows more than RH")
                .isLessThanOrEqualTo(rh.commonMean());
    }

    @Test
    void weightedLossIsLoggedPerIterationAndEndsWellBelowItsStart() {
        double[] curve = weighted.lossCurve();
        assertThat(weighted.history()).as("one record per iteration").hasSize(ITERATIONS);
        assertThat(curve[curve.length - 1]).as("the weighted loss should end well below its start (not asserted "
                + "monotone: the quantizer's scales move with R)").isLessThan(0.7 * curve[0]);
    }

    @Test
    void historyStartsAtR0AndTheResultIsOrthogonalAndConsistentWithTheEvaluation() {
        assertThat(weighted.initialErrors().commonMean()).as("the first step's loss is R0's (= RH)")
                .isCloseTo(rh.commonMean(), within(1e-4 * rh.commonMean()));
        assertThat(Orthogonality.maxDeviation(weighted.rotation(), D)).as("refined R stays orthogonal")
                .isLessThan(1e-6);
        ClassErrorSums evaluated = ClassQuantizationError.rotated(rows.normalized(), rows.count(), D, rows.massive(),
                weighted.rotation());
        assertThat(weighted.finalErrors().commonMean()).as("accumulator's error sums = the evaluation helper's")
                .isCloseTo(evaluated.commonMean(), within(1e-4 * evaluated.commonMean()));
        assertThat(weighted.finalErrors().massiveMean()).as("accumulator's error sums = the evaluation helper's")
                .isCloseTo(evaluated.massiveMean(), within(1e-3 * evaluated.massiveMean()));
    }

    @Test
    void refinesFromRandomOrthogonalOverMoreRowsThanOneBlock() {
        int d = 32;
        SyntheticActivations.Rows many = SyntheticActivations.generate(SyntheticActivations.Recipe.llama2Like(d,
                InMemoryRows.BLOCK_ROWS + 2000, 2, 5));
        DfrotRefiner.Result result = new DfrotRefiner(DfrotRefiner.Settings.defaults().withIterations(5)
                .withInit(DfrotRefiner.Init.RANDOM_ORTHOGONAL, 5)).refine(many.normalized(), many.count(), d,
                many.massive());
        ClassErrorSums evaluated = ClassQuantizationError.rotated(many.normalized(), many.count(), d, many.massive(),
                result.rotation());
        assertThat(result.history()).hasSize(5);
        assertThat(result.finalLoss().rows()).as("every row counted once across blocks").isEqualTo(many.count());
        assertThat(result.finalErrors().commonMean()).as("blocked accumulation = the evaluation helper")
                .isCloseTo(evaluated.commonMean(), within(1e-4 * evaluated.commonMean()));
        assertThat(result.lossCurve()[5]).as("five steps from RO should lower the weighted loss")
                .isLessThan(result.lossCurve()[0]);
    }

    @Test
    void resumingFromAStepReachesTheSameRotationAsAnUninterruptedRun() {
        int d = 64;
        SyntheticActivations.Rows rows = SyntheticActivations.generate(
                SyntheticActivations.Recipe.llama2Like(d, 600, 3, 11));
        DfrotRefiner.Settings settings = DfrotRefiner.Settings.defaults().withIterations(6);
        InMemoryRows data = new InMemoryRows(rows.normalized(), rows.count(), d, rows.massive(), settings.alpha());
        DfrotRefiner refiner = new DfrotRefiner(settings);
        double[] r0 = refiner.initialRotation(d);
        DfrotRefiner.Result whole = refiner.refine(data, DfrotRefiner.Start.fresh(r0), (step, r) -> { });

        // a run that "dies" after step 3: keep what a checkpoint would hold, then resume from it
        java.util.List<DfrotRefiner.Iteration> kept = new java.util.ArrayList<>();
        double[][] keptRotation = new double[1][];
        new DfrotRefiner(settings.withIterations(3)).refine(data, DfrotRefiner.Start.fresh(r0), (step, r) -> {
            kept.add(step);
            keptRotation[0] = r.clone();
        });
        DfrotRefiner.Result resumed = refiner.refine(data, new DfrotRefiner.Start(keptRotation[0], kept),
                (step, r) -> { });

        assertThat(resumed.rotation()).as("resume after step 3 ends at the uninterrupted run's R, bit for bit")
                .containsExactly(whole.rotation());
        assertThat(resumed.history()).as("the resumed history continues the old one").hasSize(6);
        assertThat(resumed.lossCurve()).as("same loss curve").containsExactly(whole.lossCurve());
    }

    @Test
    void settingsDefaultToDfrotsRecipeAndRejectBadValues() {
        DfrotRefiner.Settings defaults = DfrotRefiner.Settings.defaults();
        assertThat(defaults.iterations()).isEqualTo(100);
        assertThat(defaults.alpha()).isEqualTo(100);
        assertThat(defaults.init()).isEqualTo(DfrotRefiner.Init.RANDOMIZED_HADAMARD);
        assertThatThrownBy(() -> defaults.withAlpha(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha = 0");
        assertThatThrownBy(() -> defaults.withIterations(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1 iterations");
    }

    private static String f(double v) {
        return String.format("%.3f", v);
    }
}
