package dev.rotcal.dfrot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SyntheticActivationsTest {

    @Test
    void sameRecipeGivesTheSameRowsAndAnotherSeedDifferentOnes() {
        SyntheticActivations.Recipe recipe = SyntheticActivations.Recipe.llama2Like(256, 300, 3, 42);
        SyntheticActivations.Rows a = SyntheticActivations.generate(recipe);
        SyntheticActivations.Rows b = SyntheticActivations.generate(recipe);
        SyntheticActivations.Rows other = SyntheticActivations.generate(SyntheticActivations.Recipe.llama2Like(256, 300,
                3, 43));
        assertThat(b.normalized()).as("seeded: same recipe, same rows").containsExactly(a.normalized());
        assertThat(b.massive()).as("seeded: same recipe, same massive positions").containsExactly(a.massive());
        assertThat(other.normalized()).as("another seed draws other rows").isNotEqualTo(a.normalized());
    }

    @Test
    void rowsAreFusedRmsNormOutputsWithPlantedMassiveChannels() {
        int d = 512;
        SyntheticActivations.Rows rows = SyntheticActivations.generate(SyntheticActivations.Recipe.llama2Like(d, 1000, 4,
                3));
        assertThat(rows.massiveCount()).isEqualTo(4);
        assertThat(rows.massiveChannels()).as("LLaMA2-7B's channels 2533/1415 scaled to d = 512")
                .containsExactly(2533 * 512 / 4096, 1415 * 512 / 4096);
        assertThat(rows.outlierChannels()).hasSize(6).doesNotContain(rows.massiveChannels()[0],
                rows.massiveChannels()[1]);
        int massiveSeen = 0;
        for (int i = 0; i < rows.count(); i++) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                norm += (double) rows.normalized()[i * d + j] * rows.normalized()[i * d + j];
            }
            assertThat(Math.sqrt(norm)).as("row %d: x = h / rms(h) has ‖x‖ = √d", i)
                    .isCloseTo(Math.sqrt(d), within(1e-3 * Math.sqrt(d)));
            if (rows.massive()[i]) {
                float[] expected = massiveSeen++ % 2 == 0 ? SyntheticActivations.FIRST_TOKEN_VALUES
                        : SyntheticActivations.DELIMITER_VALUES;
                float h0 = rows.residual()[i * d + rows.massiveChannels()[0]];
                float h1 = rows.residual()[i * d + rows.massiveChannels()[1]];
                assertThat(h0).as("row %d: first massive channel, kinds alternate", i)
                        .isCloseTo(expected[0], within(3f));
                assertThat(h1).as("row %d: second massive channel", i).isCloseTo(expected[1], within(3f));
            }
        }
    }
}
