package dev.rotcal.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class RunProjectionTest {
    /** 2 layers on 2 cores: 1 DFRot window, 8 scales windows, 3 iterations. */
    private static final String METRICS = """
            {"summary": {"rows": 8192},
             "stage_seconds": {"capture": 40.0},
             "refine": {"steps": [{"seconds": 30, "solve_seconds": 20}, {"seconds": 30, "solve_seconds": 20},
                                  {"seconds": 30, "solve_seconds": 20}]},
             "scales": {"sequences": 8, "layers": [
               {"seconds": {"statistics": 80, "solve": 100, "forward": 40},
                "group_seconds": {"qkv": 30, "o": 10, "gate_up": 90, "down": 60}},
               {"seconds": {"statistics": 80, "solve": 100, "forward": 0},
                "group_seconds": {"qkv": 30, "o": 10, "gate_up": 90, "down": 60}}]}}
            """;

    private static RunProjection.Measured measured() throws Exception {
        JsonNode root = new ObjectMapper().readTree(METRICS);
        return RunProjection.Measured.of(root, 2, 2048);
    }

    @Test
    void readsThePerLayerAndPerIterationFigures() throws Exception {
        RunProjection.Measured m = measured();
        assertThat(m.layers()).isEqualTo(2);
        assertThat(m.windows()).as("8192 rows = 2 sites × 2 layers × 1 window of 2048").isEqualTo(1);
        assertThat(m.refineDataSeconds()).isCloseTo(10, within(1e-12));
        assertThat(m.refineSolveSeconds()).isCloseTo(20, within(1e-12));
        assertThat(m.solveSeconds()).as("the longest group task").isCloseTo(90, within(1e-12));
        assertThat(m.forwardSeconds()).as("the last layer runs no forward").isCloseTo(40, within(1e-12));
    }

    @Test
    void projectsLayerByLayerWithTheDriverSolveFixed() throws Exception {
        RunProjection.Measured m = measured();
        RunProjection.Target t = new RunProjection.Target(32, 1, 128, 100);
        RunProjection.Projection small = RunProjection.project(m, t, 16, 8);
        RunProjection.Projection large = RunProjection.project(m, t, 64, 8);
        // capture: one window per layer, 20 s each (40 s / 2 layers), however many cores
        assertThat(small.capture()).isCloseTo(32 * 20, within(1e-9));
        // refine: the measured 8,192 rows ran as 2 tasks of 4,096 (10 s on 2 cores = 20 core-seconds); 32 layers
        // have 16× the rows, 16 tasks of 4,096 on 128 slots
        double dataSide = 10.0 * 2 / 8192 * 65536 / 16;
        assertThat(small.refine()).isCloseTo(100 * (dataSide + 20), within(1e-9));
        assertThat(large.refine()).as("the solve does not shrink").isEqualTo(small.refine());
        assertThat(RunProjection.project(m.withSolveSeconds(5), t, 16, 8).refine())
                .as("a solve measured apart replaces the run's").isCloseTo(100 * (dataSide + 5), within(1e-9));
        // scales per layer: statistics 80 s × 2 cores / 8 windows = 20 s per window, 128 windows on 128 slots: one
        // round; the solve 90 s; forward 10 s per window for 31 of 32 layers
        assertThat(small.scales()).isCloseTo(32 * (20 + 90 + 10.0 * 31 / 32), within(1e-9));
        assertThat(large.scales()).isLessThanOrEqualTo(small.scales());
        assertThat(RunProjection.table(m, t, java.util.List.of(small, large))).contains("| capture | 11 min | 11 min |");
    }

    @Test
    void refusesMetricsWithoutTheScalesTimings() throws Exception {
        JsonNode root = new ObjectMapper().readTree("{\"scales\": {\"layers\": [{}]}}");
        assertThatThrownBy(() -> RunProjection.Measured.of(root, 2, 2048))
                .hasMessageStartingWith("Cannot project from these metrics: scales.layers[].seconds is missing");
    }
}
