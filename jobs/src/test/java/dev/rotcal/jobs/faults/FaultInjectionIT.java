package dev.rotcal.jobs.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.jobs.testing.IntegrationBuild;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fault-injection suite ({@link FaultSuite}) as a test. {@code mvn -B verify} runs the CI subset (executor loss in
 * evaluate, the store refusing at the manifest, 3 simultaneous-start repetitions on file: and on s3proxy, the
 * secret-leak check); {@code .ci/faults} ({@code -Drotcal.test.faults=all}) runs every scenario, and
 * {@code -Drotcal.test.faults=starts} only the baseline and the two 20-repetition racing-start rows. Either way the
 * table goes to the log and to target/it/fault-suite.md, which the README's table is pasted from.
 */
class FaultInjectionIT {
    private static final Logger LOG = LoggerFactory.getLogger(FaultInjectionIT.class);
    static final String SCOPE_PROPERTY = "rotcal.test.faults";

    @Test
    void everyFaultEndsInTheBaselineArtifactOrARetryableCode() throws Exception {
        String scope = System.getProperty(SCOPE_PROPERTY, "ci");
        boolean all = "all".equals(scope);
        IntegrationBuild build = IntegrationBuild.fromSystemProperties();
        List<FaultOutcome> outcomes = new ArrayList<>();
        Map<String, String> markers = FaultSuite.stageMarkers();
        try (FaultSuite suite = FaultSuite.start(build)) {
            outcomes.add(suite.baseline());
            assertThat(outcomes.get(0).passed()).as("the baseline run: %s", outcomes.get(0).describe()).isTrue();
            if ("starts".equals(scope)) {
                // the two racing-start rows alone, as in the full suite (20 repetitions, refusal within 10 s)
                outcomes.add(suite.concurrentStarts(false, 20));
                outcomes.add(suite.concurrentStarts(true, 20));
            } else if (all) {
                for (String stage : List.of("capture", "refine", "scales", "evaluate")) {
                    outcomes.add(suite.executorLoss(stage, markers.get(stage)));
                }
                outcomes.add(suite.workerLoss(markers.get("refine")));
                for (String stage : List.of("capture", "refine", "scales", "evaluate")) {
                    outcomes.add(suite.driverKill(stage, markers.get(stage)));
                }
                outcomes.add(suite.driverHaltAtCommit("first layer file", "/demo/faults/layers/"));
                outcomes.add(suite.driverHaltAtCommit("manifest", "/demo/faults/manifest\\.json$"));
                outcomes.add(suite.driverHaltAtCommit("_SUCCESS", "/demo/faults/_SUCCESS$"));
                outcomes.add(suite.storeDownAtStart());
                outcomes.add(suite.storeDownMidStage("refine", markers.get("refine")));
                outcomes.add(suite.storeRefusesAtCommit("first layer file", "/demo/faults/layers/"));
                outcomes.add(suite.storeRefusesAtCommit("manifest", "/demo/faults/manifest\\.json$"));
                outcomes.add(suite.concurrentStarts(false, 20));
                outcomes.add(suite.concurrentStarts(true, 20));
                outcomes.add(suite.smallHeap());
                outcomes.add(suite.secretsStayHidden());
            } else {
                outcomes.add(suite.executorLoss("evaluate", markers.get("evaluate")));
                outcomes.add(suite.storeRefusesAtCommit("manifest", "/demo/faults/manifest\\.json$"));
                outcomes.add(suite.concurrentStarts(false, 3, 20));
                outcomes.add(suite.concurrentStarts(true, 3, 20));
                outcomes.add(suite.secretsStayHidden());
            }
        } finally {
            String table = FaultOutcome.table(outcomes);
            LOG.info("fault suite ({}):\n{}", scope, table);
            Files.writeString(build.workDir().resolve("fault-suite.md"), table, StandardCharsets.UTF_8);
            System.out.println(table);
        }
        SoftAssertions soft = new SoftAssertions();
        outcomes.forEach(o -> soft.assertThat(o.passed()).as(o.describe()).isTrue());
        soft.assertAll();
    }
}
