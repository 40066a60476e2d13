package dev.rotcal.jobs.scales;

import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.ArtifactPublisher;
import dev.rotcal.artifact.Storage;
import dev.rotcal.jobs.BadInputException;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.jobs.capture.RowSite;
import dev.rotcal.jobs.config.ScalesSettings;
import dev.rotcal.jobs.config.ScalesSettings.WeightMethod;
import dev.rotcal.jobs.spark.JobGroups;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.SafetensorsFile;
import dev.rotcal.model.safetensors.SafetensorsWriter;
import dev.rotcal.model.safetensors.Tensor;
import dev.rotcal.scales.ClipSweep;
import dev.rotcal.scales.Fp4WeightScales;
import dev.rotcal.scales.InputStatistics;
import dev.rotcal.scales.KvClipResult;
import dev.rotcal.scales.LinearGroup;
import dev.rotcal.scales.LinearInput;
import dev.rotcal.scales.LinearScalesSolver;
import dev.rotcal.scales.RotatedInput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The solving half of stage "scales" (DESIGN.md §2.5), for one layer at a time ({@link ScalesPass} runs the layers):
 * one Spark job of four tasks, one per linear group, each receiving its share of the layer's merged statistics
 * straight from the executors that hold them ({@link LayerStatisticsShards}: the layer's summary and the bands of its
 * input's Hessian) and solving it ({@link SolveLinearGroup}); then the driver writes
 * {@code layers/layer-{i:03d}.safetensors} into the staging area by joining the four parts the tasks staged, and keeps
 * the per-linear errors for metrics.json. The driver holds neither a layer's tensors nor a Hessian: one 4 MiB chunk.
 */
public final class ScalesStage {
    private static final Logger LOG = LoggerFactory.getLogger(ScalesStage.class);
    /** The layer file's format name, in its metadata. */
    public static final String FORMAT = "rotcal.layer-scales.v1";
    /** Name of DFRot's R1 in the rotated-rows statistics. */
    public static final String DFROT = "dfrot";
    /** Name of the random Hadamard compared with in evaluation. */
    public static final String RANDOM_HADAMARD = "random_hadamard";

    /**
     * What later stages need from one layer: the per-token activation clip ratio of each input under each
     * rotation (o_proj_in / down_proj_in do not depend on R1: the same ratio for both), and the KV clip ratios.
     */
    public record LayerChoice(int layer, Map<String, Map<LinearInput, Float>> clipRatios, float keyClip,
                              float valueClip) implements java.io.Serializable {
    }

    /** @param metrics metrics.json's "scales" section; @param layers the per-layer choices */
    public record Outcome(Map<String, Object> metrics, List<LayerChoice> layers) {
    }

    private ScalesStage() {
    }

    /** The weight solves' options, from the settings (their one translation). */
    static LinearScalesSolver.Options options(ScalesSettings settings) {
        return new LinearScalesSolver.Options(settings.runs(WeightMethod.RTN),
                settings.weightClipSearch(), settings.runs(WeightMethod.GPTQ), settings.runs(WeightMethod.NVFP4),
                settings.runs(WeightMethod.MXFP4), settings.weightBits(), settings.groupSize(),
                settings.runs(WeightMethod.LLM_FP4), settings.formats(), settings.fpSearchSteps(),
                settings.staticActivationScales(), settings.activationBits(), settings.gptqClipSearch(),
                settings.gptqActOrder());
    }

    /** One published layer: its metrics.json entry and what evaluation needs. */
    record PublishedLayer(Map<String, Object> metrics, LayerChoice choice) {
    }

    /**
     * Solves layer {@code layer}'s four linear groups from its merged statistics (of the rotated model's own inputs)
     * as one Spark job of four tasks, then writes {@code layers/layer-{i:03d}.safetensors} into the staging area.
     *
     * @param pieces   the layer's merged statistics, on the executors ({@link LayerStatisticsShards})
     * @param rhSweeps per (layer, site) the attn_in / mlp_in sweeps under the random Hadamard the evaluation compares
     *                 with ({@link RotatedInputsStage})
     */
    static PublishedLayer solveLayer(JavaSparkContext sc, ModelSource model, int layer,
                                     JavaPairRDD<StatisticPiece.Id, StatisticPiece> pieces, Broadcast<double[]> r1,
                                     Map<RotatedInputsStage.Key, InputStatistics> rhSweeps,
                                     ScalesSettings settings, int blasThreads, ArtifactPublisher publisher)
            throws IOException {
        List<GroupResult> solved;
        try (JobGroups.Group g = JobGroups.enter(sc, "scales-layer-" + layer, "scales: layer %d, %s", layer + 1,
                settings.weightMethods())) {
            // combined as the pieces arrive (no map-side combining): a task holds its input's (in, in) Hessian
            // once, never all of its bands beside it
            solved = new ArrayList<>(pieces.flatMapToPair(t -> consumers(t._2()).iterator())
                    .combineByKey(GroupInput::of, GroupInput::add, GroupInput::merge, new GroupKey.ByGroup(), false,
                            null)
                    .map(new SolveLinearGroup(model, r1, options(settings), blasThreads, publisher.storage(),
                            publisher.stagingUri()))
                    .collect());
        }
        solved.sort(java.util.Comparator.comparing(GroupResult::group));
        long nonFinite = solved.isEmpty() ? 0 : solved.get(0).nonFiniteBlocks();
        if (nonFinite > 0) {
            throw new BadInputException(String.format("Cannot compute the scales of layer %d: %d block(s) of its"
                    + " activations hold NaN or Inf (check the checkpoint's weights of layers <= %d)", layer, nonFinite,
                    layer));
        }
        Map<String, Object> linears = new LinkedHashMap<>();
        Map<LinearInput, Map<String, Object>> activations = new EnumMap<>(LinearInput.class);
        Map<LinearInput, Float> clips = new EnumMap<>(LinearInput.class);
        GroupResult qkv = null;
        for (GroupResult r : solved) {
            linears.putAll(r.linears());
            activations.put(r.group().input(), r.activation());
            clips.put(r.group().input(), r.inputClip());
            if (r.group() == LinearGroup.QKV) {
                qkv = r;
            }
        }
        if (solved.size() != LinearGroup.values().length || qkv == null) {
            throw new IllegalStateException("[BUG] scales of layer " + layer + ": " + solved.size() + " group results");
        }
        joinParts(publisher, layer, solved, metadata(layer, settings));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", layer);
        m.put("linears", linears);
        Map<String, Object> activationMetrics = new LinkedHashMap<>();
        activations.forEach((input, metrics) -> activationMetrics.put(input.key(), metrics));
        m.put("activations", activationMetrics);
        m.put("kv", qkv.kv());
        formatChoice(linears).ifPresent(c -> m.put("format_choice", c));
        Map<String, Object> groupSeconds = new LinkedHashMap<>(); // each solve task's wall time
        for (GroupResult r : solved) {
            groupSeconds.put(r.group().name().toLowerCase(java.util.Locale.ROOT), r.seconds());
        }
        m.put("group_seconds", groupSeconds);
        return new PublishedLayer(m, choice(layer, rhSweeps, clips, qkv.keyClip(), qkv.valueClip()));
    }

    /** Where a solve task stages its part of layer {@code layer}'s file, relative to the staging folder. */
    static String partPath(int layer, LinearGroup group) {
        return String.format(java.util.Locale.ROOT, "parts/layer-%03d.%s.safetensors", layer,
                group.name().toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * Joins the four solve tasks' parts into {@code layers/layer-{i:03d}.safetensors} (the same bytes as one write of
     * all their tensors), streaming one chunk at a time, then deletes the parts.
     */
    private static void joinParts(ArtifactPublisher publisher, int layer, List<GroupResult> solved,
                                  Map<String, String> metadata) throws IOException {
        Storage storage = publisher.storage();
        List<SafetensorsFile> parts = new ArrayList<>();
        try {
            for (GroupResult r : solved) {
                parts.add(SafetensorsFile.open(storage.openByteSource(publisher.stagingUri() + "/" + r.part())));
            }
            publisher.write(ArtifactLayout.layerFile(layer), out -> SafetensorsWriter.concat(out, metadata, parts));
        } finally {
            parts.forEach(SafetensorsFile::close);
        }
        for (GroupResult r : solved) {
            storage.delete(publisher.stagingUri() + "/" + r.part());
        }
    }

    /** metrics.json's "scales" section and the evaluation's per-layer choices. */
    static Outcome outcome(List<PublishedLayer> layers, ScalesSettings settings) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        // the keys the linears' metrics use (llm-fp4 → llm_fp4)
        metrics.put("methods", settings.weightMethods().stream().map(m -> m.configName().replace('-', '_')).toList());
        metrics.put("weight_bits", settings.weightBits());
        metrics.put("group_size", settings.groupSize());
        metrics.put("sequences", settings.sequences());
        metrics.put("gptq_inputs", settings.sequentialGptq() ? "sequential" : "float");
        metrics.put("layers", layers.stream().map(PublishedLayer::metrics).toList());
        return new Outcome(metrics, layers.stream().map(PublishedLayer::choice).toList());
    }

    /** The tasks a piece goes to: a layer's summary to each of its groups, a Hessian band to its input's group. */
    private static List<Tuple2<GroupKey, StatisticPiece>> consumers(StatisticPiece piece) {
        List<Tuple2<GroupKey, StatisticPiece>> out = new ArrayList<>();
        for (LinearGroup g : LinearGroup.values()) {
            if (piece.isSummary() || g.input() == piece.input()) {
                out.add(new Tuple2<>(new GroupKey(piece.layer(), g), piece));
            }
        }
        return out;
    }

    /**
     * HQ-DiT's per-layer choice: the format whose summed relative output error over the layer's linears is least,
     * from each linear's hq_dit errors; empty when llm-fp4 did not run.
     */
    @SuppressWarnings("unchecked")
    static java.util.Optional<Map<String, Object>> formatChoice(Map<String, Object> linears) {
        Map<String, Double> sums = new LinkedHashMap<>();
        for (Object metrics : linears.values()) {
            Object hq = ((Map<String, Object>) metrics).get("hq_dit");
            if (hq == null) {
                return java.util.Optional.empty();
            }
            ((Map<String, Object>) ((Map<String, Object>) hq).get("output_error_by_format"))
                    .forEach((format, error) -> sums.merge(format, (Double) error, Double::sum));
        }
        if (sums.isEmpty()) {
            return java.util.Optional.empty();
        }
        List<Map.Entry<String, Double>> ranked = sums.entrySet().stream().sorted(Map.Entry.comparingByValue())
                .toList();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("winner", ranked.get(0).getKey());
        c.put("errors", sums);
        c.put("margin", ranked.size() > 1 ? ranked.get(1).getValue() - ranked.get(0).getValue() : 0.0);
        Map<String, Long> wins = new TreeMap<>();
        for (Object metrics : linears.values()) {
            String w = (String) ((Map<String, Object>) ((Map<String, Object>) metrics).get("hq_dit")).get("winner");
            wins.merge(w, 1L, Long::sum);
        }
        c.put("linear_winners", wins);
        return java.util.Optional.of(c);
    }

    static RowSite site(LinearInput input) {
        return switch (input) {
            case ATTN_IN -> RowSite.ATTENTION_INPUT;
            case MLP_IN -> RowSite.MLP_INPUT;
            default -> throw new IllegalArgumentException("[BUG] " + input + " is not a calibration-row site");
        };
    }

    /**
     * The clip ratios the evaluation runs with: DFRot's all from the pass; the random Hadamard's attn_in / mlp_in from
     * its own sweeps of the calibration rows (o_proj_in / down_proj_in do not depend on R1).
     */
    private static LayerChoice choice(int layer, Map<RotatedInputsStage.Key, InputStatistics> rhSweeps,
                                      Map<LinearInput, Float> inputClips, float keyClip, float valueClip) {
        Map<String, Map<LinearInput, Float>> ratios = new TreeMap<>();
        ratios.put(DFROT, new EnumMap<>(inputClips));
        Map<LinearInput, Float> rh = new EnumMap<>(LinearInput.class);
        for (LinearInput input : LinearInput.values()) {
            rh.put(input, input.rotatedByR1()
                    ? rhSweeps.get(new RotatedInputsStage.Key(layer, site(input), RANDOM_HADAMARD)).sweep().bestRatio()
                    : inputClips.get(input));
        }
        ratios.put(RANDOM_HADAMARD, rh);
        return new LayerChoice(layer, ratios, keyClip, valueClip);
    }

    /**
     * One input's activation parameters: the chosen clip ratio (tensor "{input}.clip_ratio"), its error and clip 1.0's,
     * the NVFP4 input_scale and, when computed, the static steps' metrics.
     */
    static Map<String, Object> activationParameters(int layer, LinearInput input, RotatedInput r,
                                                    Object staticMetrics, List<Tensor> tensors) {
        ClipSweep sweep = r.sweep();
        String prefix = "model.layers." + layer + "." + input.key();
        tensors.add(scalar(prefix + ".clip_ratio", sweep.bestRatio()));
        float inputScale = Fp4WeightScales.activationGlobalScale(r.absMax());
        tensors.add(scalar(prefix + ".nvfp4.input_scale", inputScale));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clip_ratio", sweep.bestRatio());
        m.put("error", sweep.bestError());
        m.put("error_clip_1", sweep.errorAtLargestRatio());
        m.put("abs_max", r.absMax());
        m.put("nvfp4_input_scale", inputScale);
        if (staticMetrics != null) {
            m.put("static", staticMetrics);
        }
        return m;
    }

    static Map<String, Object> kvParameters(int layer, KvClipResult kv, List<Tensor> tensors) {
        String prefix = "model.layers." + layer + ".self_attn.";
        tensors.add(scalar(prefix + "k_cache.clip_ratio", kv.key().bestRatio()));
        tensors.add(scalar(prefix + "v_cache.clip_ratio", kv.value().bestRatio()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("k_clip_ratio", kv.key().bestRatio());
        m.put("v_clip_ratio", kv.value().bestRatio());
        m.put("k_error", kv.key().bestError());
        m.put("v_error", kv.value().bestError());
        m.put("k_error_clip_1", kv.key().errorAtLargestRatio());
        m.put("v_error_clip_1", kv.value().errorAtLargestRatio());
        return m;
    }

    private static Tensor scalar(String name, float value) {
        return Tensor.ofFloats(name, SafetensorsDtype.F32, List.of(), new float[] {value});
    }

    private static Map<String, String> metadata(int layer, ScalesSettings settings) {
        Map<String, String> meta = new TreeMap<>();
        meta.put("format", FORMAT);
        meta.put("layer", Integer.toString(layer));
        meta.put("weight_methods", String.join(",",
                settings.weightMethods().stream().map(WeightMethod::configName).toList()));
        meta.put("weight_bits", Integer.toString(settings.weightBits()));
        meta.put("weight_group_size", Integer.toString(settings.groupSize()));
        meta.put("weight_clip_search", Boolean.toString(settings.weightClipSearch()));
        meta.put("activation_bits", Integer.toString(settings.activationBits()));
        meta.put("activation_scheme", "per-token asymmetric, clip_ratio · (max − min) / (2^bits − 1)");
        meta.put("kv_bits", Integer.toString(settings.kvBits()));
        meta.put("kv_scheme", "asymmetric per token per head (group = head_dim); K after RoPE and R3, V after R2");
        meta.put("gptq_packing", "compressed-tensors int32: 8 codes per word, +8 offset, element i at bits [4i, 4i+4)");
        meta.put("nvfp4_convention", "modelopt: weight_scale_2 = amax / (6·448), shared by q/k/v and by gate/up");
        meta.put("mxfp4_scale_rule", "ocp-floor");
        meta.put("weights_basis", "rotated model: gains folded, W·R1 (q/k/v/gate/up), R1ᵀ·W (o/down), R2, R4");
        return meta;
    }
}
