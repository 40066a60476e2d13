package dev.rotcal.jobs.scan;

import dev.rotcal.artifact.MassiveTokenReport;
import dev.rotcal.jobs.BadInputException;
import dev.rotcal.jobs.capture.ActivationChunk;
import dev.rotcal.jobs.config.MassiveSettings;
import dev.rotcal.jobs.spark.JobGroups;
import dev.rotcal.linalg.RandomOrthogonal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage "scan": every calibration row is checked on the executors against the massive-row rule; the driver
 * gathers the flagged rows (a handful per sequence and layer) into the massive-token set: the sorted row keys
 * the refine stage weights by α, and massive_tokens.json. A row holding NaN or ±Inf stops the run here.
 */
public final class ScanStage {
    private static final Logger LOG = LoggerFactory.getLogger(ScanStage.class);

    /**
     * @param massiveKeys sorted run-wide keys of the massive rows ({@code RowKeys})
     * @param report      massive_tokens.json
     */
    public record Outcome(long[] massiveKeys, MassiveTokenReport report) {
    }

    private ScanStage() {
    }

    /** @param tokenText token id → text, for the report, where a tokenizer is known (else empty) */
    public static Outcome run(JavaSparkContext sc, JavaRDD<ActivationChunk> rows, int d, MassiveSettings rule,
                              double alpha, int blasThreads, Map<Integer, String> tokenText, String source) {
        long start = System.nanoTime();
        Broadcast<double[]> ro = rule.rule() == MassiveSettings.Rule.RO_VS_NR
                ? sc.broadcast(RandomOrthogonal.matrix(d, rule.seed())) : null;
        List<ScanResult> parts;
        try (JobGroups.Group g = JobGroups.enter(sc, "scan", "scan: %s rule over the calibration rows",
                rule.rule().configName())) {
            parts = rows.mapPartitions(new ScanChunks(rule, ro, blasThreads)).collect();
        } finally {
            if (ro != null) {
                ro.destroy();
            }
        }
        ScanResult all = parts.stream().reduce(ScanResult.empty(), ScanResult::plus);
        if (all.nonFinite() != null) {
            throw new BadInputException("Cannot calibrate on " + source + ": " + all.nonFinite()
                    + " (the checkpoint or activation dump is broken; check it with rotcal inspect or re-export it)");
        }
        long[] keys = all.keys().stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(keys);
        double threshold = switch (rule.rule()) {
            case NR_ERROR -> rule.nrErrorThreshold() * Math.sqrt(d);
            case RO_VS_NR -> 0;
            case MAGNITUDE -> rule.magnitudeMin();
        };
        MassiveTokenReport report = MassiveTokenReport.of(rule.rule().configName(), threshold, d, alpha, all.rows(),
                all.flagged(), tokenText);
        LOG.info("scan: {} of {} rows massive by the {} rule, {} tokens, in {} s", keys.length, all.rows(),
                rule.rule().configName(), report.tokens().size(),
                String.format("%.1f", (System.nanoTime() - start) / 1e9));
        return new Outcome(keys, report);
    }
}
