package dev.rotcal.scales;

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
import org.junit.jupiter.api.Test;

/** HessianAccumulator: split-equals-whole, dgemm against a plain loop, GPTQ's 2·XᵀX / N normalization. */
class HessianAccumulatorTest {
    private static final int IN = 24;

    private static float[] rows(Random rng, int n) {
        float[] x = new float[n * IN]; // (n, IN) row-major
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }

    /** Plain reference: H = 2 / N · Σ_t x_t·x_tᵀ, element by element in double. */
    private static double[] referenceHessian(float[] x, int n) {
        double[] h = new double[IN * IN]; // (IN, IN) row-major
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < IN; i++) {
                for (int j = 0; j < IN; j++) {
                    h[i * IN + j] += (double) x[t * IN + i] * x[t * IN + j];
                }
            }
        }
        for (int k = 0; k < h.length; k++) {
            h[k] *= 2.0 / n;
        }
        return h;
    }

    @Test
    void gemmMatchesPlainLoopWithGptqNormalization() {
        Random rng = new Random(11);
        int n = 301;
        float[] x = rows(rng, n);
        float[] h = new HessianAccumulator(IN).add(x, n).hessian();
        double[] ref = referenceHessian(x, n);
        for (int k = 0; k < h.length; k++) {
            // float32 sums as gptq.py's (301 terms): within a few float ulps of the double reference
            assertThat((double) h[k]).as("H[%d, %d] = 2·XᵀX / N", k / IN, k % IN)
                    .isCloseTo(ref[k], within(1e-5 * (1 + Math.abs(ref[k]))));
        }
        for (int i = 0; i < IN; i++) {
            for (int j = 0; j < IN; j++) {
                assertThat(h[i * IN + j]).as("H is exactly symmetric at (%d, %d)", i, j).isEqualTo(h[j * IN + i]);
            }
        }
    }

    @Test
    void splitsMergedInAnyOrderEqualTheWhole() throws Exception {
        Random rng = new Random(12);
        int n = 997;
        float[] x = rows(rng, n);
        HessianAccumulator whole = new HessianAccumulator(IN).add(x, n);
        float[] expected = whole.hessian();
        for (int trial = 0; trial < 5; trial++) {
            // random cut points, one accumulator per piece (some empty), merged in a shuffled order
            List<Integer> cuts = new ArrayList<>(List.of(0, n));
            for (int c = 0; c < 1 + rng.nextInt(6); c++) {
                cuts.add(rng.nextInt(n + 1));
            }
            Collections.sort(cuts);
            List<HessianAccumulator> parts = new ArrayList<>();
            for (int p = 0; p + 1 < cuts.size(); p++) {
                int from = cuts.get(p);
                int count = cuts.get(p + 1) - from;
                float[] piece = Arrays.copyOfRange(x, from * IN, (from + count) * IN);
                parts.add(roundTrip(new HessianAccumulator(IN).add(piece, count)));
            }
            Collections.shuffle(parts, rng);
            HessianAccumulator merged = new HessianAccumulator(IN);
            for (HessianAccumulator part : parts) {
                merged.merge(part);
            }
            assertThat(merged.rows()).as("trial %d counts every row once", trial).isEqualTo(n);
            float[] h = merged.hessian();
            for (int k = 0; k < h.length; k++) {
                assertThat(h[k]).as("trial %d, %d pieces: H[%d]", trial, parts.size(), k)
                        .isCloseTo(expected[k], within(1e-5f * (1 + Math.abs(expected[k]))));
            }
        }
    }

    @Test
    void zeroForgetsEverything() {
        HessianAccumulator acc = new HessianAccumulator(IN).add(rows(new Random(13), 10), 10).zero();
        assertThat(acc.rows()).as("rows after zero").isZero();
        assertThat(acc.sumOfOuterProducts()).as("sum after zero").containsOnly(0f);
        assertThatThrownBy(acc::hessian).as("no rows, no Hessian").isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot form a Hessian");
    }

    @Test
    void rejectsMismatchedWidths() {
        assertThatThrownBy(() -> new HessianAccumulator(IN).merge(new HessianAccumulator(IN + 1)))
                .as("widths must match").isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot merge a Hessian of width 25");
        assertThatThrownBy(() -> new HessianAccumulator(IN).add(new float[IN * 2], 3))
                .as("array too short").isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot add 3 rows");
    }

    private static HessianAccumulator roundTrip(HessianAccumulator acc) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(acc);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (HessianAccumulator) in.readObject();
        }
    }
}
