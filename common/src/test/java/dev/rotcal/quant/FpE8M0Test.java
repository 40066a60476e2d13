package dev.rotcal.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** E8M0 block scales: X = 2^(E − 127), E = 0..254, 0xFF = NaN. */
class FpE8M0Test {

    @Test
    void decodesPowersOfTwoAndNaN() {
        assertThat(FpE8M0.decode(127)).as("E = 127 → 1").isEqualTo(1f);
        assertThat(FpE8M0.decode(0)).as("E = 0 → 2^-127 (a float subnormal)").isEqualTo(0x1p-127f);
        assertThat(FpE8M0.decode(254)).as("E = 254 → 2^127").isEqualTo(0x1p127f);
        assertThat(FpE8M0.decode(0xFF)).as("0xFF is NaN").isNaN();
        assertThat(FpE8M0.encode(-6)).as("2^-6 → 121").isEqualTo(121);
        assertThat(FpE8M0.exponent((byte) 121)).as("signed byte read as unsigned").isEqualTo(-6);
        assertThatThrownBy(() -> FpE8M0.encode(128)).as("2^128 is out of range")
                .isInstanceOf(IllegalArgumentException.class);
    }
}
