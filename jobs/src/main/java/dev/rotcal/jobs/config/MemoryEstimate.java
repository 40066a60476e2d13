package dev.rotcal.jobs.config;

import dev.rotcal.jobs.scales.LayerStatisticsShards;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.DecoderShape;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * rotcal's memory model (README "Memory"): from the model's shapes and the settings, the peak heap of the driver
 * and of one executor task, and the native (off-heap) memory of one executor JVM, for every stage — before any Spark
 * work, so that {@link MemoryBudget} can refuse a run that cannot fit. The figures are the big arrays each stage
 * allocates (the code's own sizes, listed per stage in {@link Stage#detail}); small objects and JVM overheads are
 * covered by a fixed margin in {@link MemoryBudget}.
 */
public final class MemoryEstimate {
    private static final long F = 4;
    private static final long D = 8;

    /**
     * One stage's needs, in bytes.
     *
     * @param driverHeap  the driver's own arrays (beyond Spark's)
     * @param taskHeap    one task's arrays
     * @param sharedHeap  arrays shared by the tasks of one executor JVM (a layer's weights while read)
     * @param nativeBytes off-heap memory of one executor JVM (ND4J buffers: the layer weights in native memory)
     * @param taskNative  off-heap memory of one task (GPTQ's U, the copies JavaCPP makes of Java arrays handed to BLAS)
     * @param detail      the largest items, for the log and the refusal
     */
    public record Stage(String name, long driverHeap, long taskHeap, long sharedHeap, long nativeBytes,
                        long taskNative, String detail) {
        public Stage(String name, long driverHeap, long taskHeap, long sharedHeap, long nativeBytes, String detail) {
            this(name, driverHeap, taskHeap, sharedHeap, nativeBytes, 0, detail);
        }

        /** Native memory of an executor JVM running {@code tasks} tasks. */
        public long nativeFor(int tasks) {
            return nativeBytes + tasks * taskNative;
        }
    }

    private final List<Stage> stages;

    private MemoryEstimate(List<Stage> stages) {
        this.stages = List.copyOf(stages);
    }

    public List<Stage> stages() {
        return stages;
    }

    /**
     * @param partitions the job's partitions (capture blocks, refine row partitions)
     */
    public static MemoryEstimate of(ModelConfig config, RotcalSettings settings, int partitions) {
        DecoderShape s = DecoderShape.of(config);
        long d = s.hidden();
        long inter = s.intermediate();
        long q = s.qWidth();
        long kv = s.kvWidth();
        long vocab = config.vocabSize();
        long layers = config.numHiddenLayers();
        long layerParams = d * q + 2 * d * kv + q * d + 3 * d * inter;
        long layerWeights = F * layerParams;
        DataSettings data = settings.data();
        long seqLen = data.sequenceLength();
        int blocks = Math.max(1, Math.min(data.sequences(), partitions));
        long windowsPerBlock = (data.sequences() + blocks - 1) / blocks;
        ScalesSettings scales = settings.scales();
        boolean statistics = scales.enabled();
        boolean hessians = scales.needsHessians();
        List<Stage> out = new ArrayList<>();

        // capture: a block's residual stream in and out and its two captured row sets, one window's forward
        long blockRows = windowsPerBlock * seqLen;
        long blockArrays = F * blockRows * d * 4;
        long forward = F * seqLen * (4 * d + 2 * q + 2 * kv + 3 * inter) + F * seqLen * seqLen;
        out.add(new Stage("capture", 0, blockArrays + forward, layerWeights, layerWeights,
                String.format(Locale.ROOT, "%s block of %d × %d tokens, %s forward of one window",
                        gib(blockArrays), windowsPerBlock, seqLen, gib(forward))));

        // scan / refine: a chunk of rows (≤ 4096) with its rotated and quantized copies; the d×d accumulator in
        // double and R as float on each task; on the driver R, C and the solve's workspace
        long totalRows = 2 * layers * data.tokens();
        long chunk = Math.max(256, Math.min(4096, (totalRows + partitions - 1) / partitions));
        long refineTask = F * chunk * d * 3 + D * d * d + F * d * d;
        long refineDriver = D * d * d * 7;
        out.add(new Stage("refine", refineDriver, refineTask, 0, 0, String.format(Locale.ROOT,
                "driver: R, C and the Procrustes solve's workspace ≈ 7 × %d² doubles (%s); task: %d-row chunks and"
                        + " the %d² accumulator in double", d, gib(refineDriver), chunk, d)));

        if (statistics) {
            // scales, the pass over the stage's own windows: per task a block of them (in and out), one window's
            // forward with every capture, the block's statistics (Hessians in float32 as gptq.py's, cut into 32 MiB
            // bands one at a time for the shuffle); then the solving task of the largest group — its input's Hessian
            // assembled as the bands arrive, the rotated layer (read + rotated copy) and the group's weights in
            // double for GPTQ
            int scalesBlocks = Math.max(1, Math.min(scales.sequences(), partitions));
            long scalesRows = (long) ((scales.sequences() + scalesBlocks - 1) / scalesBlocks) * seqLen;
            long hessianBytes = hessians ? F * (2 * d * d + q * q + inter * inter) : 0;
            long samples = F * scales.sampleRows() * (2 * d + q + inter);
            long passTask = F * scalesRows * d * 2 + forward + F * seqLen * (q + inter + 2 * kv) + hessianBytes
                    + samples + LayerStatisticsShards.BAND_BYTES;
            long groupHessian = hessians ? F * Math.max(inter * inter, d * d) : 0;
            long weightsDouble = hessians ? D * d * inter : 0;
            // the group's weights are the JVM's shared rotated layer (not copied); each method's outputs for the
            // largest linear (quantized weights, codes, the clip search's copy) are ≈ 3 float copies of it
            long solveTask = groupHessian + weightsDouble + 3 * F * d * inter + samples * 2;
            long layerFile = layerParams * 2;                     // codes and scales of every method, ≤ 2 B/param
            boolean sequential = scales.sequentialGptq();
            // native: the rotated layer (and its GPTQ twin) in ND4J buffers, plus per task the largest of GPTQ's U in
            // double (down_proj: inter²), the copy JavaCPP makes of the Hessian for ssyrk, the output errors' copy
            long taskNative = hessians ? D * inter * inter : D * d * d;
            out.add(new Stage("scales", layerFile, Math.max(passTask, solveTask),
                    layerWeights * (sequential ? 3 : 2), layerWeights * (sequential ? 2 : 1), taskNative,
                    String.format(Locale.ROOT, "pass task: %d × %d tokens, %s%s; solve task: %s, the largest"
                                    + " linear's outputs (%s); shared: the rotated layer (%s each); native per task:"
                                    + " GPTQ's U %s; driver: one layer's file (%s)",
                            scalesRows / seqLen, seqLen, gib(forward), hessians ? String.format(Locale.ROOT,
                                    ", Hessians Σ XᵀX in float32 (down_proj %d²) %s", inter, gib(hessianBytes)) : "",
                            hessians ? "down_proj Hessian " + inter + "² assembled " + gib(groupHessian)
                                    : "no Hessians", gib(weightsDouble + 3 * F * d * inter), gib(layerWeights),
                            gib(taskNative), gib(layerFile))));
        }

        EvaluateSettings ev = settings.evaluate();
        if (ev.runs() && statistics) {
            int variants = hessians ? 7 : 6;
            int evalBlocks = Math.max(1, Math.min(ev.sequences(), partitions));
            long evalRows = (long) ((ev.sequences() + evalBlocks - 1) / evalBlocks) * ev.sequenceLength();
            long evalTask = F * evalRows * d * variants * 2 + F * ev.sequenceLength() * (4 * d + 2 * q + 3 * inter)
                    + F * evalRows * vocab;
            long heads = F * vocab * d * 3;                       // float, RH and DFRot heads
            out.add(new Stage("evaluate", 0, evalTask, 3 * layerWeights + F * vocab * d,
                    (long) variants * layerWeights + heads, String.format(Locale.ROOT,
                    "%d variants' residual streams and logits of %d tokens per task; native: %d variants' layer"
                            + " weights (%s) and 3 output heads %d × %d (%s)", variants, evalRows, variants,
                    gib((long) variants * layerWeights), vocab, d, gib(heads))));
        }
        return new MemoryEstimate(out);
    }

    /** "1.23 GiB". */
    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
