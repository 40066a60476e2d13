package dev.rotcal.dfrot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.junit.jupiter.params.provider.ValueSource;

class MassiveRowDetectorTest {
    private static final Logger LOG = LoggerFactory.getLogger(MassiveRowDetectorTest.class);

    private static SyntheticActivations.Rows rows(int d) {
        return SyntheticActivations.generate(SyntheticActivations.Recipe.llama2Like(d, 4000, 4, 7 + d));
    }

    @ParameterizedTest(name = "d = {0}")
    @ValueSource(ints = {512, 4096})
    void nrErrorRuleFindsExactlyThePlantedRows(int d) {
        SyntheticActivations.Rows rows = rows(d);
        boolean[] found = MassiveRowDetector.byNrError(rows.normalized(), rows.count(), d,
                MassiveRowDetector.DEFAULT_ERROR_PER_SQRT_D);
        assertThat(found).as("NR error < 8.5/64·√d flags the planted massive rows and nothing else")
                .containsExactly(rows.massive());
    }

    @ParameterizedTest(name = "d = {0}")
    @ValueSource(ints = {512, 4096})
    void randomRotationRuleFindsExactlyThePlantedRows(int d) {
        SyntheticActivations.Rows rows = rows(d);
        boolean[] found = MassiveRowDetector.byRandomRotation(rows.normalized(), rows.count(), d, 99L);
        assertThat(found).as("e(x·RO) >= e(x) only for rows whose energy sits in 1-2 channels")
                .containsExactly(rows.massive());
    }

    @ParameterizedTest(name = "d = {0}")
    @ValueSource(ints = {512, 4096})
    void magnitudeRuleOnTheResidualStreamFindsExactlyThePlantedRows(int d) {
        SyntheticActivations.Rows rows = rows(d);
        boolean[] found = MassiveRowDetector.byMagnitude(rows.residual(), rows.count(), d,
                MassiveRowDetector.DEFAULT_MAGNITUDE_FLOOR, MassiveRowDetector.DEFAULT_MAGNITUDE_RATIO);
        assertThat(found).as("|h| > 100 and > 1000× median |h| flags the planted rows; 25σ outliers stay below")
                .containsExactly(rows.massive());
    }

    @ParameterizedTest(name = "d = {0}")
    @ValueSource(ints = {512, 4096})
    void rowStatisticsCarryWhatTheNrRuleNeeds(int d) {
        SyntheticActivations.Rows rows = rows(d);
        RowStatistics[] stats = RowStatistics.ofBlock(rows.normalized(), rows.count(), d);
        double threshold = MassiveRowDetector.DEFAULT_ERROR_PER_SQRT_D * Math.sqrt(d);
        double minCommon = Double.MAX_VALUE;
        double maxMassive = 0;
        for (int i = 0; i < rows.count(); i++) {
            assertThat(MassiveRowDetector.isMassiveByNrError(stats[i], d, MassiveRowDetector.DEFAULT_ERROR_PER_SQRT_D))
                    .as("row %d: the per-row rule on scanned statistics agrees with the block rule", i)
                    .isEqualTo(rows.massive()[i]);
            if (rows.massive()[i]) {
                assertThat(stats[i].argmaxChannel()).as("row %d: a massive row peaks on the first massive channel", i)
                        .isEqualTo(rows.massiveChannels()[0]);
                maxMassive = Math.max(maxMassive, stats[i].nrError());
            } else {
                minCommon = Math.min(minCommon, stats[i].nrError());
            }
        }
        LOG.info("d={} NR-error threshold {}: max massive {}, min common {}", d, String.format("%.2f", threshold),
                String.format("%.2f", maxMassive), String.format("%.2f", minCommon));
        assertThat(minCommon / maxMassive).as("the NR error separates the classes by a wide margin")
                .isGreaterThan(2.0);
    }
}
