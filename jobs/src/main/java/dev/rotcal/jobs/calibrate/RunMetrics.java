package dev.rotcal.jobs.calibrate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotcal.artifact.MassiveTokenReport;
import dev.rotcal.dfrot.ClassErrorSums;
import dev.rotcal.dfrot.DfrotRefiner;
import dev.rotcal.dfrot.ProcrustesLoss;
import dev.rotcal.jobs.refine.RefineStage;
import java.util.Map;
import java.util.Optional;

/**
 * metrics.json and the manifest's summary: the refine loss curve (total / common / massive per step), the
 * per-class 4-bit errors by rotation, the massive-token counts and the stage timings.
 */
final class RunMetrics {
    static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private RunMetrics() {
    }

    static ObjectNode metrics(RefineStage.Outcome refine, MassiveTokenReport massive,
                              Optional<Map<String, Object>> scales, Optional<Map<String, Object>> evaluation,
                              Map<String, Double> seconds, double alpha) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schema_version", 1);
        root.set("summary", summary(refine, massive));
        root.set("errors", errors(refine.errors()));
        root.set("refine", curve(refine.dfrot(), alpha));
        refine.plainProcrustes().ifPresent(p -> root.set("refine_plain_procrustes", curve(p, 1.0)));
        scales.ifPresent(s -> root.set("scales", JSON.valueToTree(s)));
        evaluation.ifPresent(e -> root.set("evaluation", JSON.valueToTree(e)));
        ObjectNode timings = root.putObject("stage_seconds");
        seconds.forEach(timings::put);
        return root;
    }

    /** The headline figures, also written into manifest.json. */
    static ObjectNode summary(RefineStage.Outcome refine, MassiveTokenReport massive) {
        ObjectNode s = JSON.createObjectNode();
        s.put("rows", massive.rowsScanned());
        s.put("massive_rows", massive.massiveRows());
        s.put("massive_tokens", massive.tokens().size());
        double[] curve = refine.dfrot().lossCurve();
        s.put("loss_start", curve[0]);
        s.put("loss_end", curve[curve.length - 1]);
        ClassErrorSums before = refine.errors().get("random_hadamard");
        ClassErrorSums after = refine.errors().get("dfrot");
        s.put("error_common_random_hadamard", before.commonMean());
        s.put("error_massive_random_hadamard", before.massiveMean());
        s.put("error_common_dfrot", after.commonMean());
        s.put("error_massive_dfrot", after.massiveMean());
        if (refine.errors().containsKey("plain_procrustes")) {
            s.put("error_common_plain_procrustes", refine.errors().get("plain_procrustes").commonMean());
            s.put("error_massive_plain_procrustes", refine.errors().get("plain_procrustes").massiveMean());
        }
        return s;
    }

    private static ObjectNode errors(Map<String, ClassErrorSums> errors) {
        ObjectNode node = JSON.createObjectNode();
        errors.forEach((rotation, e) -> {
            ObjectNode r = node.putObject(rotation);
            r.put("common_mean_l2", e.commonMean());
            r.put("massive_mean_l2", e.massiveMean());
            r.put("common_rows", e.commonRows());
            r.put("massive_rows", e.massiveRows());
        });
        return node;
    }

    private static ObjectNode curve(DfrotRefiner.Result result, double alpha) {
        ObjectNode node = JSON.createObjectNode();
        node.put("alpha", alpha);
        node.put("iterations", result.history().size());
        node.put("monotone", result.monotone());
        ArrayNode steps = node.putArray("steps");
        for (DfrotRefiner.Iteration step : result.history()) {
            ObjectNode s = step(step.loss());
            s.put("iteration", step.iteration());
            s.put("max_delta_r", step.maxDelta());
            s.put("orthogonality_deviation", step.orthogonalityDeviation());
            s.put("seconds", step.seconds());
            s.put("solve_seconds", step.solveSeconds());
            if (step.pass() != null) { // the pass over the rows, split: R's broadcast, the executors, the merge
                s.put("broadcast_seconds", step.pass().broadcast());
                s.put("executor_seconds", step.pass().tasks());
                s.put("merge_seconds", step.pass().merge());
            }
            steps.add(s);
        }
        node.set("final", step(result.finalLoss()));
        return node;
    }

    /** A loss: "total" = common + α²·massive (the weighted objective), and the per-class parts. */
    private static ObjectNode step(ProcrustesLoss loss) {
        ObjectNode s = JSON.createObjectNode();
        s.put("loss_total", loss.weightedTotal());
        s.put("loss_common", loss.weightedCommon());
        s.put("loss_massive", loss.weightedMassive());
        s.put("mean_error_common", loss.errors().commonMean());
        s.put("mean_error_massive", loss.errors().massiveMean());
        return s;
    }
}
