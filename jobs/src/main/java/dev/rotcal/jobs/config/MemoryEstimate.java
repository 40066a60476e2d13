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
     * A phase of a stage inside one executor JVM: what its tasks hold at the same time.
     *
     * @param shared      arrays shared by the JVM's tasks (a layer's weights while read or rotated)
     * @param perTask     one task's arrays
     * @param driver      the driver's own arrays are alive too (matters in local mode, where the JVM is the driver)
     * @param clusterOnly happens only on a cluster (an executor that ran none of the layer's earlier tasks)
     */
    public record Phase(String name, long shared, long perTask, boolean driver, boolean clusterOnly) {
        long heap(int tasks, long driverHeap, boolean local) {
            return shared + tasks * perTask + (local && driver ? driverHeap : 0);
        }
    }

    /**
     * One stage's needs, in bytes.
     *
     * @param driverHeap  the driver's own arrays (beyond Spark's)
     * @param phases      what an executor JVM holds, phase by phase (its heap need is the largest phase's)
     * @param nativeBytes off-heap memory of one executor JVM (ND4J buffers: the layer weights in native memory)
     * @param taskNative  off-heap memory of one task (GPTQ's U, the copies JavaCPP makes of Java arrays handed to BLAS)
     * @param detail      the largest items, for the log and the refusal
     */
    public record Stage(String name, long driverHeap, List<Phase> phases, long nativeBytes, long taskNative,
                        String detail) {
        public Stage {
            phases = List.copyOf(phases);
        }

        /** A stage of one phase whose tasks run while the driver holds its arrays. */
        public Stage(String name, long driverHeap, long taskHeap, long sharedHeap, long nativeBytes, String detail) {
            this(name, driverHeap, List.of(new Phase(name, sharedHeap, taskHeap, true, false)), nativeBytes, 0,
                    detail);
        }

        /** Native memory of an executor JVM running {@code tasks} tasks. */
        public long nativeFor(int tasks) {
            return nativeBytes + tasks * taskNative;
        }

        /**
         * The heap an executor JVM running {@code tasks} tasks needs: its largest phase; in local mode (the JVM is the
         * driver) with the driver's arrays where they are alive.
         */
        public long heapFor(int tasks, boolean local) {
            return phases.stream().filter(p -> !(local && p.clusterOnly()))
                    .mapToLong(p -> p.heap(tasks, driverHeap, local)).max().orElse(0);
        }

        /** The largest one task holds in any phase. */
        public long taskHeap() {
            return phases.stream().mapToLong(Phase::perTask).max().orElse(0);
        }

        /** The largest the JVM's tasks share in any phase. */
        public long sharedHeap() {
            return phases.stream().mapToLong(Phase::shared).max().orElse(0);
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

        // scan / refine: per task a chunk of rows (≤ 4096) with its rotated and quantized copies, the d×d accumulator
        // in double, R as float, and the task's share of the persisted rows; on the driver R, C and the solve's
        // workspace (7 d² doubles), R's broadcast (its value and serialized blocks), the partial accumulators it
        // merges (≈ √partitions of them, DeterministicTreeAggregate, each arriving serialized) and the empty one
        long totalRows = 2 * layers * data.tokens();
        long chunk = Math.max(256, Math.min(4096, (totalRows + partitions - 1) / partitions));
        long persisted = F * ((totalRows + partitions - 1) / partitions) * d;
        long refineTask = F * chunk * d * 3 + D * d * d + F * d * d + persisted;
        int fanIn = Math.max(2, (int) Math.ceil(Math.sqrt(partitions)));
        long merged = Math.min(partitions, fanIn);
        // the solve: R, C, C's copy, and dgesdd's U, Vᵀ and workspace (≈ 4 d²) — the larger of the two solvers
        long refineDriver = D * d * d * (10 + 2 + 2 * merged + 1);
        out.add(new Stage("refine", refineDriver, refineTask, 0, 0, String.format(Locale.ROOT,
                "driver: R, C and the Procrustes solve's workspace ≈ 10 × %d² doubles, R's broadcast and %d partial"
                        + " accumulators (%s); task: %d-row chunks, the %d² accumulator in double and its %s of the"
                        + " persisted rows", d, merged, gib(refineDriver), chunk, d, gib(persisted))));

        if (statistics) {
            // scales, the pass over the stage's own windows, phase by phase in one executor JVM (one rotated layer
            // per JVM, in native memory: RotatedLayerCache):
            // - rotation: the layer read and rotated on the heap one projection at a time (read + rotated copy, the
            //   products' double chunks), once per JVM, while its tasks wait holding their blocks; on a cluster also
            //   while a solve task waits holding its assembled Hessian (an executor that ran no pass task);
            // - statistics: per task a block of windows (in and out), one window's forward with every capture, the
            //   block's statistics (Hessians in float32 as gptq.py's, cut into 32 MiB bands for the shuffle);
            // - solve: the largest group's task — its input's Hessian assembled as the bands arrive, its own copy of
            //   the group's projections (gate + up), GPTQ's W in double and each method's outputs (≈ 3 float copies
            //   of the largest linear); each task stages its part of the layer file and the driver joins the parts a
            //   chunk at a time (no layer's tensors on the driver);
            // - forward: the GPTQ twin built one linear at a time.
            int scalesBlocks = Math.max(1, Math.min(scales.sequences(), partitions));
            long scalesRows = (long) ((scales.sequences() + scalesBlocks - 1) / scalesBlocks) * seqLen;
            long block = F * scalesRows * d;
            long hessianBytes = hessians ? F * (2 * d * d + q * q + inter * inter) : 0;
            long samples = F * scales.sampleRows() * (2 * d + q + inter);
            long passTask = 2 * block + forward + F * seqLen * (q + inter + 2 * kv) + hessianBytes + samples
                    + LayerStatisticsShards.BAND_BYTES;
            // per group: its input's Hessian, its own copy of its projections, then for its widest linear GPTQ's W
            // (float32, as gptq.py's) and each method's outputs (≈ 3 float copies); the largest group decides
            long solveTask = samples * 2 + Math.max(
                    Math.max(group(hessians, d, d * (q + 2 * kv), d * q), group(hessians, q, d * q, d * q)),
                    Math.max(group(hessians, d, 2 * d * inter, d * inter),
                            group(hessians, inter, d * inter, d * inter)));
            // R1 in double on the driver, as the broadcast's value and as its serialized blocks; the stage's
            // persisted blocks (serialized): both alive through every phase
            long always = 3 * D * d * d + F * scales.sequences() * seqLen * d;
            // the rotation, one projection at a time (RotatedLayerCache): the largest projection as read and as rotated,
            // v_proj's product in double, the products' double row/column chunks
            long largest = Math.max(Math.max(d * q, d * inter), d * kv * (F + D) / F);
            long rotation = 2 * F * largest + 2 * D * d * 1024;
            long joinBuffers = 12L << 20; // the join's 4 MiB chunk (SafetensorsFile.CHUNK_BYTES) and the stream buffers
            List<Phase> phases = List.of(
                    new Phase("rotation", always + rotation, block, false, false),
                    new Phase("rotation in a solve", always + rotation, hessians ? F * inter * inter : 0, false,
                            true),
                    new Phase("statistics", always, passTask, false, false),
                    new Phase("solve", always, solveTask, true, false),
                    new Phase("forward", always + F * d * inter * 2, 2 * block + forward, false, false));
            // native: the one rotated layer in ND4J buffers, plus per task GPTQ's U in float32 as gptq.py's
            // (down_proj: inter²)
            long taskNative = hessians ? F * inter * inter : 0;
            out.add(new Stage("scales", joinBuffers, phases, layerWeights, taskNative,
                    String.format(Locale.ROOT, "rotation of the layer %s; statistics task: %d × %d tokens, %s%s;"
                                    + " solve task: %s; R1's copies and the persisted windows %s;"
                                    + " native: the rotated layer %s, per task GPTQ's U %s; driver: joins the tasks' parts of"
                                    + " the layer file in chunks (%s)", gib(rotation),
                            scalesRows / seqLen, seqLen, gib(forward), hessians ? String.format(Locale.ROOT,
                                    ", Hessians Σ XᵀX in float32 (down_proj %d²) %s", inter, gib(hessianBytes)) : "",
                            hessians ? "down_proj Hessian " + inter + "², its weights, GPTQ's W and the outputs "
                                    + gib(solveTask) : "the weights and outputs " + gib(solveTask), gib(always),
                            gib(layerWeights), gib(taskNative), gib(joinBuffers))));
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

    /**
     * One solve task's heap: the group input's (in, in) Hessian in float32 (with Hessians), its projections' copy
     * ({@code weights} values), and for its widest linear ({@code widest} values) GPTQ's W in float32 (with Hessians)
     * and each method's outputs, ≈ 3 float copies.
     */
    private static long group(boolean hessians, long in, long weights, long widest) {
        return (hessians ? F * in * in + F * widest : 0) + F * weights + 3 * F * widest;
    }

    /** "1.23 GiB". */
    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
