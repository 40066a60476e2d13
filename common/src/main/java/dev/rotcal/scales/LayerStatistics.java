package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.linalg.FastHadamardTransform;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerCaptures;
import java.io.Serializable;
import java.util.EnumMap;
import java.util.Map;

/**
 * The calibration statistics of one decoder layer that do not depend on R1, gathered while the float model runs
 * (the capture stage) and merged over partitions:
 * <ul>
 *   <li>attn_in and mlp_in, the gain-free norm outputs x = h / rms(h), un-rotated: their Hessian sums and a sample.
 *       The rotated model's input is x · R1, so its Hessian is R1ᵀ·H·R1 and its sample x · R1 once R1 is known;
 *       the clip sweep of x · R1 is measured after refine.</li>
 *   <li>o_proj_in with the per-head Hadamard R2 and down_proj_in with the online Hadamard R4: the rotated model
 *       sees exactly these (R1 cancels inside the layer), so everything is measured here.</li>
 *   <li>the KV cache: K after RoPE and the online per-head Hadamard R3, V with R2 (v_proj's output rotated), both
 *       asymmetric per head: Σ squared error at each ratio of DFRot's sweep.</li>
 * </ul>
 * All sums are in double and merge exactly in any grouping of rows.
 */
public final class LayerStatistics implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * @param activationBits bits of the per-token asymmetric activation quantizer
     * @param kvBits         bits of the per-head asymmetric KV quantizer
     * @param hessians       sum XᵀX of every input (GPTQ)
     * @param sampleRows     rows of each input to keep for output-error searches (0 = none)
     * @param rotatedModel   the captures come from the rotated model (R1 folded, R2 in v_proj, R3 / R4 online): every
     *                       input is already in the quantized weights' basis, nothing is rotated here and every clip
     *                       sweep is measured
     */
    public record Options(int activationBits, int kvBits, boolean hessians, int sampleRows, boolean rotatedModel)
            implements Serializable {
        /** Captures of the float model. */
        public Options(int activationBits, int kvBits, boolean hessians, int sampleRows) {
            this(activationBits, kvBits, hessians, sampleRows, false);
        }

        Options withHessians(boolean on) {
            return new Options(activationBits, kvBits, on, sampleRows, rotatedModel);
        }
    }

    private final int layer;
    private final DecoderShape shape;
    private final Options options;
    private final EnumMap<LinearInput, InputStatistics> inputs = new EnumMap<>(LinearInput.class);
    private final KvSweepAccumulator kv;
    private long nonFiniteBlocks; // blocks left out because a capture held NaN / Inf (the scan stops such a run)

    public LayerStatistics(int layer, DecoderShape shape, Options options) {
        this.layer = layer;
        this.shape = shape;
        this.options = options;
        this.kv = new KvSweepAccumulator(shape.nKvHeads(), shape.headDim(), options.kvBits());
        for (LinearInput input : LinearInput.values()) {
            boolean later = input.rotatedByR1() && !options.rotatedModel(); // swept after refine, on x · R1
            inputs.put(input, new InputStatistics(width(input, shape), options.activationBits(), !later,
                    options.hessians(), options.sampleRows()));
        }
    }

    /** The width of {@code input} in a layer of this shape. */
    public static int width(LinearInput input, DecoderShape shape) {
        return switch (input) {
            case ATTN_IN, MLP_IN -> shape.hidden();
            case O_PROJ_IN -> shape.qWidth();
            case DOWN_PROJ_IN -> shape.intermediate();
        };
    }

    /**
     * Adds one block's captures (every switch on). Rotates copies of o_proj's input, down_proj's input, K and V
     * as the rotated model sees them; the captures are not changed.
     *
     * @param c     the layer's captures of {@code rows} rows
     * @param order the block's place in the calibration data (for the samples)
     */
    public LayerStatistics addBlock(LayerCaptures c, int rows, long order) {
        checkArgument(c.attentionInput() != null && c.mlpInput() != null && c.attentionOutput() != null
                        && c.downProjInput() != null && c.keys() != null && c.values() != null,
                "[BUG] layer statistics need every capture switch on");
        if (!finite(c.attentionInput()) || !finite(c.mlpInput()) || !finite(c.attentionOutput())
                || !finite(c.downProjInput()) || !finite(c.keys()) || !finite(c.values())) {
            nonFiniteBlocks++;
            return this;
        }
        inputs.get(LinearInput.ATTN_IN).add(c.attentionInput(), rows, order);
        inputs.get(LinearInput.MLP_IN).add(c.mlpInput(), rows, order);
        if (options.rotatedModel()) {   // the rotated model's own captures: already in the weights' basis
            inputs.get(LinearInput.O_PROJ_IN).add(c.attentionOutput(), rows, order);
            inputs.get(LinearInput.DOWN_PROJ_IN).add(c.downProjInput(), rows, order);
            kv.add(c.keys(), c.values(), rows);
            return this;
        }
        int hd = shape.headDim();
        FastHadamardTransform headHadamard = new FastHadamardTransform(hd);

        float[] oIn = c.attentionOutput().clone();                 // (rows, nHeads·hd) · R2 per head
        headHadamard.applyNormalized(oIn, rows * shape.nHeads());
        inputs.get(LinearInput.O_PROJ_IN).add(oIn, rows, order);

        float[] downIn = c.downProjInput().clone();                // (rows, intermediate) · R4
        new FastHadamardTransform(shape.intermediate()).applyNormalized(downIn, rows);
        inputs.get(LinearInput.DOWN_PROJ_IN).add(downIn, rows, order);

        float[] k = c.keys().clone();                              // (rows, nKv·hd) · R3 per head
        headHadamard.applyNormalized(k, rows * shape.nKvHeads());
        float[] v = c.values().clone();                            // (rows, nKv·hd) · R2 per head
        headHadamard.applyNormalized(v, rows * shape.nKvHeads());
        kv.add(k, v, rows);
        return this;
    }

    /**
     * These statistics without the Hessian sums (options.hessians() false); the Hessians travel as bands
     * (HessianBand). The rest is shared with this object, not copied.
     */
    public LayerStatistics withoutHessians() {
        Options light = options.withHessians(false);
        LayerStatistics copy = new LayerStatistics(layer, shape, light, kv, nonFiniteBlocks);
        for (LinearInput input : LinearInput.values()) {
            copy.inputs.put(input, inputs.get(input).withoutHessian());
        }
        return copy;
    }

    /** These (Hessian-free) statistics with every input's Hessian sums attached, e.g. assembled from bands. */
    public LayerStatistics withHessians(Map<LinearInput, HessianAccumulator> hessians) {
        Options full = options.withHessians(true);
        LayerStatistics copy = new LayerStatistics(layer, shape, full, kv, nonFiniteBlocks);
        for (LinearInput input : LinearInput.values()) {
            checkArgument(hessians.get(input) != null, "Cannot attach Hessians to layer %d: %s has none", layer,
                    input.key());
            copy.inputs.put(input, inputs.get(input).withHessian(hessians.get(input)));
        }
        return copy;
    }

    private LayerStatistics(int layer, DecoderShape shape, Options options, KvSweepAccumulator kv,
                            long nonFiniteBlocks) {
        this.layer = layer;
        this.shape = shape;
        this.options = options;
        this.kv = kv;
        this.nonFiniteBlocks = nonFiniteBlocks;
    }

    /** Adds another partition's statistics of the same layer. */
    public LayerStatistics merge(LayerStatistics other) {
        checkArgument(other.layer == layer && other.shape.equals(shape) && other.options.equals(options),
                "[BUG] Cannot merge statistics of layer %d into layer %d", other.layer, layer);
        for (Map.Entry<LinearInput, InputStatistics> e : inputs.entrySet()) {
            e.getValue().merge(other.inputs.get(e.getKey()));
        }
        kv.merge(other.kv);
        nonFiniteBlocks += other.nonFiniteBlocks;
        return this;
    }

    private static boolean finite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** Blocks whose captures held NaN or ±Inf and were left out; a run with any must not publish scales. */
    public long nonFiniteBlocks() {
        return nonFiniteBlocks;
    }

    public int layer() {
        return layer;
    }

    public DecoderShape shape() {
        return shape;
    }

    public Options options() {
        return options;
    }

    /** The statistics of one input (attn_in / mlp_in un-rotated, see the class comment). */
    public InputStatistics input(LinearInput input) {
        return inputs.get(input);
    }

    /** K and V clip sweeps (K after RoPE and R3, V with R2). */
    public KvClipResult kvSweeps() {
        return kv.result();
    }

    public long kvRows() {
        return kv.rows();
    }
}
