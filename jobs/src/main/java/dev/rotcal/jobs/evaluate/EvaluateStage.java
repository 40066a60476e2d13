package dev.rotcal.jobs.evaluate;

import dev.rotcal.jobs.scales.StagedGptqWeights;
import dev.rotcal.Eta;
import dev.rotcal.artifact.Storage;
import dev.rotcal.dfrot.ClassErrorSums;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.jobs.capture.TokenBlock;
import dev.rotcal.jobs.config.DataSettings;
import dev.rotcal.jobs.config.EvaluateSettings;
import dev.rotcal.jobs.config.MassiveSettings;
import dev.rotcal.jobs.config.RotcalSettings;
import dev.rotcal.jobs.config.ScalesSettings;
import dev.rotcal.jobs.config.ScalesSettings.WeightMethod;
import dev.rotcal.jobs.scales.ScalesStage;
import dev.rotcal.jobs.spark.DeterministicTreeAggregate;
import dev.rotcal.jobs.spark.JobGroups;
import dev.rotcal.jobs.tokens.CalibrationTokens;
import dev.rotcal.linalg.RandomOrthogonal;
import dev.rotcal.linalg.RandomizedHadamard;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.scales.LinearScalesSolver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage "evaluate" (DESIGN.md §2.6): held-out token windows (rotcal.evaluate.data-uri, never the calibration
 * windows) run through the float model and the W4A4KV4 fake-quantized rotated models as the same distributed
 * layer-by-layer forward as the capture: one Spark stage per layer, every variant's residual stream in one
 * persisted block. Measures (a) the float model's 4-bit activation error of the held-out norm outputs by token
 * class with no rotation, a random orthogonal R, a random Hadamard and DFRot's R1, per layer and site; (b) the
 * perplexity of every variant. GPTQ weights are read back from the staged layer files, so the evaluation checks
 * the published artifact itself.
 */
public final class EvaluateStage {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateStage.class);

    private EvaluateStage() {
    }

    /**
     * @param r1         (d, d) row-major DFRot R1
     * @param choices    per layer, the scales stage's clip ratios
     * @param stagingUri where the staged layer files are (for the GPTQ variant)
     * @return metrics.json's "evaluation" section
     */
    /**
     * The held-out windows in at most {@code partitions} blocks, their ids checked against the vocabulary (the
     * calibration input also calls this before any Spark work, so a bad evaluation file fails in one line then).
     */
    public static CalibrationTokens heldOutTokens(Storage storage, EvaluateSettings ev, int vocabSize,
                                                  int partitions) {
        return CalibrationTokens.load(storage, new DataSettings(ev.dataUri(), ev.format(), "", ev.sequenceLength(),
                ev.sequences(), ev.seed()), "", vocabSize, partitions);
    }

    public static Map<String, Object> run(JavaSparkContext sc, Storage storage, ModelSource model, ModelConfig config,
                                          RotcalSettings settings, double[] r1, List<ScalesStage.LayerChoice> choices,
                                          String stagingUri, int partitions, int blasThreads, StorageLevel level)
            throws IOException {
        EvaluateSettings ev = settings.evaluate();
        ScalesSettings scales = settings.scales();
        int d = config.hiddenSize();
        CalibrationTokens tokens = heldOutTokens(storage, ev, config.vocabSize(), partitions);
        List<TokenBlock> blocks = tokens.blocks();
        EvalPlan plan = plan(settings, d, r1, choices);
        LOG.info("evaluate: {} held-out windows of {} tokens from {}, variants {}", tokens.windows().count(),
                ev.sequenceLength(), ev.dataUri(), plan.variants().stream().map(EvalVariant::name).toList());
        Broadcast<EvalPlan> planB = sc.broadcast(plan);
        int layers = config.numHiddenLayers();
        Map<String, ClassErrorSums> totals = new TreeMap<>();
        List<Map<String, Object>> perLayer = new ArrayList<>();
        Map<String, double[]> nll;
        try {
            JavaRDD<EvalBlock> hidden;
            try (JobGroups.Group g = JobGroups.enter(sc, "evaluate-embed", "evaluate: embedding %d windows",
                    tokens.windows().count())) {
                hidden = sc.parallelize(blocks, blocks.size()).map(new EmbedForEvaluation(model, planB, blasThreads))
                        .setName("evaluation blocks after embedding").persist(level);
                hidden.count();
            }
            boolean gptq = plan.variants().contains(EvalVariant.DFROT_GPTQ);
            long stageStart = System.nanoTime();
            for (int layer = 0; layer < layers; layer++) {
                long start = System.nanoTime();
                try (JobGroups.Group g = JobGroups.enter(sc, "evaluate-layer-" + layer,
                        "evaluate: layer %d/%d, %d variants", layer + 1, layers, plan.variants().size())) {
                    JavaRDD<EvalStep> step = hidden.map(new EvaluateLayer(model, layer, planB,
                                    gptq ? new StagedGptqWeights(storage, stagingUri) : null, blasThreads))
                            .setName("evaluation layer " + layer).persist(level);
                    JavaRDD<EvalBlock> next = step.map(EvalStep::next).setName("evaluation after layer " + layer)
                            .persist(level);
                    next.count();
                    Map<String, ClassErrorSums> errors = mergeErrors(step.map(EvalStep::errors));
                    step.unpersist(false);
                    hidden.unpersist(false);
                    hidden = next;
                    int current = layer;
                    errors.forEach((key, sums) -> {
                        totals.merge(key, sums, ClassErrorSums::merge);
                        String[] siteRotation = key.split("/");
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("layer", current);
                        m.put("site", siteRotation[0]);
                        m.put("rotation", siteRotation[1]);
                        m.put("common", sums.commonMean());
                        m.put("massive", sums.massiveMean());
                        m.put("common_rows", sums.commonRows());
                        m.put("massive_rows", sums.massiveRows());
                        perLayer.add(m);
                    });
                }
                double done = (System.nanoTime() - stageStart) / 1e9;
                LOG.info("evaluate: layer {}/{} done in {} s, ETA {}", layer + 1, layers,
                        String.format("%.1f", (System.nanoTime() - start) / 1e9),
                        Eta.format(done / (layer + 1) * (layers - layer - 1)));
            }
            try (JobGroups.Group g = JobGroups.enter(sc, "evaluate-nll", "evaluate: next-token NLL of %d variants",
                    plan.variants().size())) {
                nll = mergeNll(hidden.map(new VariantNll(model, planB, blasThreads)));
            }
            hidden.unpersist(false);
        } finally {
            planB.destroy();
        }
        return metrics(plan, totals, perLayer, nll, scales);
    }

    private static EvalPlan plan(RotcalSettings settings, int d, double[] r1, List<ScalesStage.LayerChoice> choices) {
        EvaluateSettings ev = settings.evaluate();
        ScalesSettings scales = settings.scales();
        List<EvalVariant> variants = new ArrayList<>(List.of(EvalVariant.FLOAT, EvalVariant.DFROT_FLOAT,
                EvalVariant.RH_A4KV4,
                EvalVariant.DFROT_A4KV4, EvalVariant.RH_RTN, EvalVariant.DFROT_RTN));
        if (scales.runs(WeightMethod.GPTQ)) {
            variants.add(EvalVariant.DFROT_GPTQ);
        }
        double[] rh = RandomizedHadamard.matrix(d, ev.seed());
        Map<String, double[]> modelRotations = new LinkedHashMap<>();
        modelRotations.put(ScalesStage.RANDOM_HADAMARD, rh);
        modelRotations.put(ScalesStage.DFROT, r1);
        Map<String, double[]> errorRotations = new LinkedHashMap<>();
        errorRotations.put("random_orthogonal", RandomOrthogonal.matrix(d, ev.seed()));
        errorRotations.put(ScalesStage.RANDOM_HADAMARD, rh);
        errorRotations.put(ScalesStage.DFROT, r1);
        MassiveSettings massive = settings.massive();
        double[] ro = massive.rule() == MassiveSettings.Rule.RO_VS_NR ? RandomOrthogonal.matrix(d, massive.seed()) : null;
        LinearScalesSolver.Options weights = new LinearScalesSolver.Options(true, scales.weightClipSearch(), false,
                false, false, scales.weightBits(), scales.groupSize());
        return new EvalPlan(variants, modelRotations, errorRotations, choices, weights, scales.activationBits(),
                scales.kvBits(), massive, ro);
    }

    private static Map<String, ClassErrorSums> mergeErrors(JavaRDD<Map<String, ClassErrorSums>> perBlock) {
        JavaRDD<HashMap<String, ClassErrorSums>> partials = perBlock.mapPartitions(it -> {
            HashMap<String, ClassErrorSums> acc = new HashMap<>();
            it.forEachRemaining(m -> m.forEach((k, v) -> acc.merge(k, v, ClassErrorSums::merge)));
            return List.of(acc).iterator();
        });
        try {
            return new TreeMap<>(DeterministicTreeAggregate.merge(partials, (a, b) -> {
                b.forEach((k, v) -> a.merge(k, v, ClassErrorSums::merge));
                return a;
            }, new HashMap<>()));
        } catch (Exception e) {
            throw new IllegalStateException("Cannot merge the evaluation's error sums: " + e.getMessage(), e);
        }
    }

    private static Map<String, double[]> mergeNll(JavaRDD<HashMap<String, double[]>> perBlock) {
        JavaRDD<HashMap<String, double[]>> partials = perBlock.mapPartitions(it -> {
            HashMap<String, double[]> acc = new HashMap<>();
            it.forEachRemaining(m -> m.forEach((k, v) -> acc.merge(k, v, EvaluateStage::add)));
            return List.of(acc).iterator();
        });
        try {
            return DeterministicTreeAggregate.merge(partials, (a, b) -> {
                b.forEach((k, v) -> a.merge(k, v, EvaluateStage::add));
                return a;
            }, new HashMap<>());
        } catch (Exception e) {
            throw new IllegalStateException("Cannot merge the evaluation's NLL sums: " + e.getMessage(), e);
        }
    }

    private static double[] add(double[] a, double[] b) {
        double[] sum = a.clone();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += b[i];
        }
        return sum;
    }

    private static Map<String, Object> metrics(EvalPlan plan, Map<String, ClassErrorSums> totals,
                                               List<Map<String, Object>> perLayer, Map<String, double[]> nll,
                                               ScalesSettings scales) {
        Map<String, Object> out = new LinkedHashMap<>();
        ClassErrorSums none = totals.get("attn_in/" + EvalVariant.NONE).merge(totals.get("mlp_in/" + EvalVariant.NONE));
        Map<String, Object> heldOut = new java.util.LinkedHashMap<>(); // a fixed key order in metrics.json
        heldOut.put("common", none.commonRows());
        heldOut.put("massive", none.massiveRows());
        out.put("held_out_rows", heldOut);
        Map<String, Object> errors = new LinkedHashMap<>();
        List<String> rotations = new ArrayList<>(List.of(EvalVariant.NONE));
        rotations.addAll(plan.errorRotations().keySet());
        for (String rotation : rotations) {
            ClassErrorSums all = totals.get("attn_in/" + rotation).merge(totals.get("mlp_in/" + rotation));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("common", all.commonMean());
            m.put("massive", all.massiveMean());
            m.put("layers", perLayer.stream().filter(l -> rotation.equals(l.get("rotation"))).map(l -> {
                Map<String, Object> row = new LinkedHashMap<>(l);
                row.remove("rotation");
                return row;
            }).toList());
            errors.put(rotation, m);
        }
        out.put("activation_error", errors);
        List<Map<String, Object>> ppl = new ArrayList<>();
        for (EvalVariant v : plan.variants()) {
            double[] s = nll.get(v.name());
            Map<String, Object> row = new LinkedHashMap<>(new TreeMap<>(v.describe(plan.activationBits(),
                    plan.kvBits(), scales.weightBits())));
            double count = s[VariantNll.COUNT];
            row.put("nll", s[VariantNll.NLL] / count);
            row.put("perplexity", Math.exp(s[VariantNll.NLL] / count));
            row.put("tokens", (long) count);
            row.put("perplexity_vs_float", Math.exp(s[VariantNll.CROSS_ENTROPY] / count));
            row.put("kl_to_float", s[VariantNll.KL] / count);
            ppl.add(row);
        }
        out.put("perplexity", ppl);
        return out;
    }
}
