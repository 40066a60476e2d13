package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HessianBandTest {

    private static float[] rows(int n, int width, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    @Test
    void bandsOfPartialSumsMergedAndAssembledEqualTheWholeSumBitForBit() {
        int width = 37;
        HessianAccumulator a = new HessianAccumulator(width).add(rows(50, width, 1), 50);
        HessianAccumulator b = new HessianAccumulator(width).add(rows(30, width, 2), 30);
        List<HessianBand> merged = new ArrayList<>();
        List<HessianBand> bandsA = a.bands(8);
        List<HessianBand> bandsB = b.bands(8);
        assertThat(bandsA).hasSize(5).extracting(HessianBand::count).containsExactly(8, 8, 8, 8, 5);
        for (int i = 0; i < bandsA.size(); i++) {
            merged.add(bandsA.get(i).merge(bandsB.get(i)));
        }
        Collections.reverse(merged); // assembly does not depend on the bands' order
        HessianAccumulator assembled = HessianAccumulator.assemble(width, merged);
        HessianAccumulator whole = new HessianAccumulator(width).add(rows(50, width, 1), 50)
                .merge(new HessianAccumulator(width).add(rows(30, width, 2), 30));
        assertThat(assembled.rows()).isEqualTo(80);
        assertThat(assembled.sumOfOuterProducts()).isEqualTo(whole.sumOfOuterProducts());
        assertThat(assembled.hessian()).isEqualTo(whole.hessian());
        assertThat(assembled.takeHessian()).isEqualTo(whole.hessian());
    }

    @Test
    void rowsPerBandKeepsABandWithinItsBytes() {
        assertThat(HessianBand.rowsPerBand(4096, 32L << 20)).as("float32: 4096 · 4 bytes a row").isEqualTo(2048);
        assertThat(HessianBand.rowsPerBand(28672, 32L << 20)).isEqualTo(292);
        assertThat(HessianBand.rowsPerBand(10, 1)).as("at least one row").isEqualTo(1);
        assertThat(HessianBand.rowsPerBand(10, 1L << 30)).as("at most the width").isEqualTo(10);
    }

    @Test
    void aMissingOrRepeatedRowIsRefused() {
        HessianAccumulator h = new HessianAccumulator(4).add(rows(3, 4, 3), 3);
        List<HessianBand> bands = h.bands(2);
        assertThatThrownBy(() -> HessianAccumulator.assemble(4, List.of(bands.get(0))))
                .hasMessageContaining("no band holds row 2");
        assertThatThrownBy(() -> HessianAccumulator.assemble(4, List.of(bands.get(0), bands.get(0), bands.get(1))))
                .hasMessageContaining("row 0 is in two bands");
        assertThatThrownBy(() -> bands.get(0).merge(bands.get(1))).hasMessageContaining("Cannot merge");
    }
}
