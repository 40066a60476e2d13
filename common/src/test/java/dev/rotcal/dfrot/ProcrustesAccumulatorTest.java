package dev.rotcal.dfrot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ProcrustesAccumulatorTest {
    private static final float ALPHA = 100f;

    /** Synthetic rows with massive rows, weights α on the massive ones, and a dense (d, d) matrix. */
    private record Fixture(int d, int n, float[] rows, float[] weights, boolean[] massive, double[] r) {
        static Fixture of(int d, int common, int heavy, long seed) {
            SyntheticActivations.Rows rows =
                    SyntheticActivations.generate(SyntheticActivations.Recipe.llama2Like(d, common, heavy, seed));
            float[] weights = new float[rows.count()];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = rows.massive()[i] ? ALPHA : 1f;
            }
            // the accumulator's algebra does not need an orthogonal R: a dense Gaussian one exercises all of it
            SplittableRandom random = new SplittableRandom(seed + 1);
            double[] r = new double[d * d]; // (d, d) row-major
            for (int k = 0; k < r.length; k++) {
                r[k] = random.nextGaussian() / Math.sqrt(d);
            }
            return new Fixture(d, rows.count(), rows.normalized(), weights, rows.massive(), r);
        }

        ProcrustesAccumulator accumulate(int from, int to) {
            return new ProcrustesAccumulator(d).add(Arrays.copyOfRange(rows, from * d, to * d), to - from,
                    Arrays.copyOfRange(weights, from, to), Arrays.copyOfRange(massive, from, to), r);
        }
    }

    @Test
    void blockGemmMatchesPlainRowByRowReference() {
        Fixture f = Fixture.of(128, 600, 4, 11);
        ProcrustesAccumulator acc = f.accumulate(0, f.n());

        // plain reference: every row on its own, in double
        double[] c = new double[f.d() * f.d()]; // (d, d) row-major
        double weightedCommon = 0;
        double weightedMassive = 0;
        double errorCommon = 0;
        double errorMassive = 0;
        for (int i = 0; i < f.n(); i++) {
            double[] x = new double[f.d()]; // (d) w·x
            for (int j = 0; j < f.d(); j++) {
                x[j] = (double) f.weights()[i] * f.rows()[i * f.d() + j];
            }
            double[] y = new double[f.d()]; // (d) w·x·R
            for (int k = 0; k < f.d(); k++) {
                for (int j = 0; j < f.d(); j++) {
                    y[j] += x[k] * f.r()[k * f.d() + j];
                }
            }
            double[] b = quantizeReference(y);
            double squared = 0;
            for (int j = 0; j < f.d(); j++) {
                squared += (y[j] - b[j]) * (y[j] - b[j]);
            }
            for (int k = 0; k < f.d(); k++) {
                for (int j = 0; j < f.d(); j++) {
                    c[k * f.d() + j] += x[k] * b[j];
                }
            }
            double w = f.weights()[i];
            if (f.massive()[i]) {
                weightedMassive += squared;
                errorMassive += Math.sqrt(squared) / w;
            } else {
                weightedCommon += squared;
                errorCommon += Math.sqrt(squared) / w;
            }
        }

        assertThat(maxAbsDifference(acc.crossProduct(), c) / maxAbs(c))
                .as("C from two float block GEMMs should match the row-by-row double reference to float tolerance")
                .isLessThan(1e-5);
        ProcrustesLoss loss = acc.loss();
        assertThat(loss.weightedCommon()).as("common loss").isCloseTo(weightedCommon, within(1e-5 * weightedCommon));
        assertThat(loss.weightedMassive()).as("massive loss, weighted by α²")
                .isCloseTo(weightedMassive, within(1e-5 * weightedMassive));
        assertThat(loss.squaredMassive()).as("unweighted massive loss = weighted / α²")
                .isCloseTo(weightedMassive / (ALPHA * ALPHA), within(1e-5 * weightedMassive / (ALPHA * ALPHA)));
        assertThat(loss.errors().commonErrorSum()).as("common L2 error sum")
                .isCloseTo(errorCommon, within(1e-5 * errorCommon));
        assertThat(loss.errors().massiveErrorSum()).as("massive L2 error sum")
                .isCloseTo(errorMassive, within(1e-5 * errorMassive));
        assertThat(loss.errors().commonRows()).isEqualTo(600);
        assertThat(loss.errors().massiveRows()).isEqualTo(4);
    }

    @Test
    void mergingOverAnySplitEqualsOneAccumulatorOverAllRows() {
        Fixture f = Fixture.of(64, 1000, 6, 21);
        ProcrustesAccumulator whole = f.accumulate(0, f.n());
        Random random = new Random(5);
        for (int trial = 0; trial < 8; trial++) {
            // random cut points, including 1-row and 0-row pieces when they come up
            int pieces = 1 + random.nextInt(9);
            int[] cuts = new int[pieces + 1];
            cuts[pieces] = f.n();
            for (int p = 1; p < pieces; p++) {
                cuts[p] = random.nextInt(f.n() + 1);
            }
            Arrays.sort(cuts);
            List<ProcrustesAccumulator> parts = new ArrayList<>();
            for (int p = 0; p < pieces; p++) {
                parts.add(f.accumulate(cuts[p], cuts[p + 1]));
            }
            Collections.shuffle(parts, random); // merge order does not matter either
            ProcrustesAccumulator merged = new ProcrustesAccumulator(f.d());
            for (ProcrustesAccumulator part : parts) {
                merged.merge(part);
            }
            assertSameSums(merged, whole, "split " + Arrays.toString(cuts));
        }
    }

    @Test
    void zeroForgetsEverythingAndTheStateSurvivesJavaSerialization() throws Exception {
        Fixture f = Fixture.of(32, 200, 2, 31);
        ProcrustesAccumulator reused = f.accumulate(0, 50);
        reused.zero().add(f.rows(), f.n(), f.weights(), f.massive(), f.r());
        ProcrustesAccumulator fresh = f.accumulate(0, f.n());
        assertSameSums(reused, fresh, "zero() then add should equal a fresh accumulator");

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(fresh);
        }
        ProcrustesAccumulator copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (ProcrustesAccumulator) in.readObject();
        }
        assertThat(copy.crossProduct()).as("C after a serialization round trip (treeAggregate)")
                .containsExactly(fresh.crossProduct());
        assertThat(copy.loss()).as("loss after a serialization round trip").isEqualTo(fresh.loss());
    }

    @Test
    void rejectsWidthMismatchesAndNonPositiveWeights() {
        Fixture f = Fixture.of(16, 10, 1, 41);
        float[] weights = f.weights().clone();
        weights[3] = 0f;
        assertThatThrownBy(() -> new ProcrustesAccumulator(16).add(f.rows(), f.n(), weights, f.massive(), f.r()))
                .as("a zero weight has no scale-equivariant loss")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Cannot weight row 3");
        assertThatThrownBy(() -> new ProcrustesAccumulator(16).merge(new ProcrustesAccumulator(8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("width 8");
        assertThatThrownBy(() -> new ProcrustesAccumulator(16).add(f.rows(), f.n(), f.weights(), f.massive(),
                new double[15 * 15])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("d² = 256");
    }

    private static void assertSameSums(ProcrustesAccumulator actual, ProcrustesAccumulator expected, String why) {
        double[] c = expected.crossProduct();
        assertThat(maxAbsDifference(actual.crossProduct(), c) / maxAbs(c)).as("C: %s", why).isLessThan(1e-6);
        ProcrustesLoss a = actual.loss();
        ProcrustesLoss e = expected.loss();
        assertThat(a.weightedTotal()).as("weighted loss: %s", why)
                .isCloseTo(e.weightedTotal(), within(1e-6 * e.weightedTotal()));
        assertThat(a.errors().commonErrorSum()).as("common error sum: %s", why)
                .isCloseTo(e.errors().commonErrorSum(), within(1e-6 * e.errors().commonErrorSum()));
        assertThat(a.errors().massiveErrorSum()).as("massive error sum: %s", why)
                .isCloseTo(e.errors().massiveErrorSum(), within(1e-6 * e.errors().massiveErrorSum()));
        assertThat(a.rows()).as("rows: %s", why).isEqualTo(e.rows());
        assertThat(a.errors().massiveRows()).as("massive rows: %s", why).isEqualTo(e.errors().massiveRows());
    }

    /** The loss quantizer written out in double: scale = max|y| / 7, codes clamp(rint(y / s), −8, 7). */
    static double[] quantizeReference(double[] y) {
        double max = 0;
        for (double v : y) {
            max = Math.max(max, Math.abs(v));
        }
        double scale = max / 7 == 0 ? 1 : max / 7;
        double[] b = new double[y.length];
        for (int j = 0; j < y.length; j++) {
            b[j] = Math.min(Math.max(Math.rint(y[j] / scale), -8), 7) * scale;
        }
        return b;
    }

    static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static double maxAbsDifference(double[] a, double[] b) {
        assertThat(a).hasSameSizeAs(b);
        double m = 0;
        for (int k = 0; k < a.length; k++) {
            m = Math.max(m, Math.abs(a[k] - b[k]));
        }
        return m;
    }
}
