package dev.rotcal.scales;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Int4Packing: hand-written words / bytes for each convention, round trips, range checks. */
class Int4PackingTest {

    @Test
    void compressedTensorsInt32ByHand() {
        // codes −8 … 7 stored +8 → nibbles 0x0 … 0xF; element i at bits [4i, 4i + 4)
        byte[] codes = {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7}; // (1, 16)
        int[] words = Int4Packing.packInt32(codes, 1, 16);
        assertThat(words).as("element 0 in the low nibble, +8 offset").containsExactly(0x76543210, 0xFEDCBA98);
        byte[] one = {1, 0, 0, 0, 0, 0, 0, -1}; // (1, 8)
        assertThat(Int4Packing.packInt32(one, 1, 8)).as("1 → 9 low, −1 → 7 at bits 28..31")
                .containsExactly(0x78888889);
        assertThat(Int4Packing.unpackInt32(words, 1, 16)).as("unpack inverts pack").containsExactly(codes);
    }

    @Test
    void quarotUint8ByHand() {
        byte[] codes = {1, -1, -8, 7, 0, 3}; // (1, 6)
        byte[] packed = Int4Packing.packUint8(codes, 1, 6);
        // (1, −1) → low 0x1, high 0xF; (−8, 7) → low 0x8, high 0x7; (0, 3) → low 0x0, high 0x3
        assertThat(packed).as("even column low nibble, two's complement")
                .containsExactly((byte) 0xF1, (byte) 0x78, (byte) 0x30);
        assertThat(Int4Packing.unpackUint8(packed, 1, 6)).as("unpack sign-extends").containsExactly(codes);
    }

    @Test
    void randomRoundTrips() {
        Random rng = new Random(21);
        int out = 7;
        int in = 48;
        byte[] codes = new byte[out * in]; // (out, in)
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) (rng.nextInt(16) - 8);
        }
        assertThat(Int4Packing.unpackInt32(Int4Packing.packInt32(codes, out, in), out, in))
                .as("int32 round trip").containsExactly(codes);
        assertThat(Int4Packing.unpackUint8(Int4Packing.packUint8(codes, out, in), out, in))
                .as("uint8 round trip").containsExactly(codes);
        assertThat(Int4Packing.packInt32(codes, out, in)).as("(out, in / 8) words").hasSize(out * in / 8);
        assertThat(Int4Packing.packUint8(codes, out, in)).as("(out, in / 2) bytes").hasSize(out * in / 2);
    }

    @Test
    void rejectsOutOfRangeCodesAndRaggedRows() {
        assertThatThrownBy(() -> Int4Packing.packUint8(new byte[] {0, 8}, 1, 2)).as("8 is not an int4 code")
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Cannot pack code 8 at (0, 1)");
        assertThatThrownBy(() -> Int4Packing.packInt32(new byte[12], 1, 12)).as("12 columns are not 8-word rows")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 8");
    }
}
