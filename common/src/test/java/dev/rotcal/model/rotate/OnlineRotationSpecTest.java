package dev.rotcal.model.rotate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotcal.linalg.Hadamard;
import dev.rotcal.linalg.RandomizedHadamard;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OnlineRotationSpecTest {

    @Test
    void metadataNamesSizeKNormalizationAndSignsAndReadsBack() {
        OnlineRotationSpec r4 = OnlineRotationSpec.hadamard("R4", 1792);
        assertThat(r4.toMetadata()).as("QuaRot's plain R4 for the demo model's intermediate 1792 = 28·64")
                .containsExactly(Map.entry("r4_size", "1792"), Map.entry("r4_k", "28"),
                        Map.entry("r4_normalized", "true"), Map.entry("r4_signs", "none"));
        OnlineRotationSpec r3 = OnlineRotationSpec.randomized("R3", 128, -7);
        assertThat(r3.toMetadata()).containsEntry("r3_k", "1").containsEntry("r3_signs", "seed:-7");
        assertThat(OnlineRotationSpec.fromMetadata("R4", r4.toMetadata())).isEqualTo(r4);
        assertThat(OnlineRotationSpec.fromMetadata("R3", r3.toMetadata())).isEqualTo(r3);
    }

    @Test
    void onlineHooksListTheirRotationsForTheMetadata() {
        dev.rotcal.model.forward.DecoderShape shape = new dev.rotcal.model.forward.DecoderShape(512, 1792, 8, 2, 64,
                1e-5);
        Map<String, String> quarot = OnlineRotationHooks.quarot(shape, true).metadata();
        assertThat(quarot).containsEntry("online_rotations", "R3,R4").containsEntry("r3_size", "64")
                .containsEntry("r3_k", "1").containsEntry("r4_size", "1792").containsEntry("r4_k", "28")
                .hasSize(9);
        assertThat(OnlineRotationHooks.quarot(shape, false).metadata()).containsEntry("online_rotations", "R4")
                .doesNotContainKey("r3_size");
    }

    @Test
    void applyIsTheRowTimesTheDocumentedMatrix() {
        int n = 20;
        Random rng = new Random(3);
        double[] x = new double[2 * n];   // (2, n)
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextGaussian();
        }
        byte[] h = Hadamard.matrix(n);     // (n, n) entries ±1
        double[] plain = x.clone();
        OnlineRotationSpec.hadamard("R4", n).apply(plain, 2);
        double[] randomized = x.clone();
        OnlineRotationSpec.randomized("R4", n, 9).apply(randomized, 2);
        double[] dh = RandomizedHadamard.matrix(n, 9);  // (n, n) D·H/√n
        for (int r = 0; r < 2; r++) {
            for (int j = 0; j < n; j++) {
                double expectedPlain = 0;
                double expectedRandomized = 0;
                for (int c = 0; c < n; c++) {
                    expectedPlain += x[r * n + c] * h[c * n + j] / Math.sqrt(n);
                    expectedRandomized += x[r * n + c] * dh[c * n + j];
                }
                assertThat(plain[r * n + j]).as("x·H/√n at (%d, %d)", r, j).isCloseTo(expectedPlain,
                        org.assertj.core.data.Offset.offset(1e-12));
                assertThat(randomized[r * n + j]).as("x·D·H/√n at (%d, %d)", r, j).isCloseTo(expectedRandomized,
                        org.assertj.core.data.Offset.offset(1e-12));
            }
        }
    }

    @Test
    void refusesUnsupportedSizesWrongKAndUnnormalized() {
        assertThatThrownBy(() -> OnlineRotationSpec.hadamard("R4", 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("order 100");
        assertThatThrownBy(() -> new OnlineRotationSpec("R4", 1792, 1, true, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("28·2^6");
        assertThatThrownBy(() -> new OnlineRotationSpec("R4", 64, 1, false, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("normalized = true");
        assertThatThrownBy(() -> OnlineRotationSpec.fromMetadata("R4", Map.of("r4_size", "64")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("r4_signs is missing");
    }
}
