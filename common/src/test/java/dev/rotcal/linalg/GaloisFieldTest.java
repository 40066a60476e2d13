package dev.rotcal.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GaloisFieldTest {

    @ParameterizedTest
    @ValueSource(ints = {9, 11, 13, 25, 27, 49})
    void satisfiesTheFieldAxiomsExhaustively(int q) {
        GaloisField f = new GaloisField(q);
        assertThat(f.order()).isEqualTo(q);
        for (int a = 0; a < q; a++) {
            assertThat(f.add(a, 0)).as("0 is the additive identity in GF(%d)", q).isEqualTo(a);
            assertThat(f.multiply(a, 1)).as("1 is the multiplicative identity in GF(%d)", q).isEqualTo(a);
            assertThat(f.add(f.subtract(a, 7 % q), 7 % q)).as("subtract undoes add in GF(%d)", q).isEqualTo(a);
            boolean invertible = false;
            for (int b = 0; b < q; b++) {
                assertThat(f.multiply(a, b)).as("multiplication commutes in GF(%d)", q).isEqualTo(f.multiply(b, a));
                invertible |= f.multiply(a, b) == 1;
                for (int c = 0; c < q; c++) {
                    assertThat(f.multiply(a, f.add(b, c)))
                            .as("multiplication distributes over addition in GF(%d)", q)
                            .isEqualTo(f.add(f.multiply(a, b), f.multiply(a, c)));
                    assertThat(f.multiply(a, f.multiply(b, c))).as("multiplication associates in GF(%d)", q)
                            .isEqualTo(f.multiply(f.multiply(a, b), c));
                }
            }
            assertThat(invertible || a == 0).as("every nonzero element of GF(%d) has an inverse (%d)", q, a).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {11, 13, 25, 27, 73})
    void quadraticCharacterIsMultiplicativeAndBalanced(int q) {
        GaloisField f = new GaloisField(q);
        int sum = 0;
        for (int a = 0; a < q; a++) {
            sum += f.quadraticCharacter(a);
            for (int b = 0; b < q; b++) {
                assertThat(f.quadraticCharacter(f.multiply(a, b)))
                        .as("χ(ab) = χ(a)χ(b) in GF(%d)", q)
                        .isEqualTo(f.quadraticCharacter(a) * f.quadraticCharacter(b));
            }
        }
        assertThat(sum).as("GF(%d) has as many squares as non-squares", q).isZero();
        int minusOne = f.subtract(0, 1);
        assertThat(f.quadraticCharacter(minusOne)).as("χ(−1) = (−1)^((q−1)/2) in GF(%d)", q)
                .isEqualTo(q % 4 == 1 ? 1 : -1);
    }

    @ParameterizedTest
    @ValueSource(ints = {13, 59, 139})
    void primeFieldIsArithmeticModP(int p) {
        GaloisField f = new GaloisField(p);
        assertThat(f.degree()).isEqualTo(1);
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++) {
                assertThat(f.multiply(a, b)).as("GF(%d) multiplies mod p", p).isEqualTo(a * b % p);
                assertThat(f.add(a, b)).as("GF(%d) adds mod p", p).isEqualTo((a + b) % p);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {6, 12, 100, 1, 0, -3})
    void rejectsOrdersThatAreNotPrimePowers(int q) {
        assertThatThrownBy(() -> new GaloisField(q))
                .as("GF(%d) does not exist", q)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot build the field GF(" + q + ")");
    }
}
