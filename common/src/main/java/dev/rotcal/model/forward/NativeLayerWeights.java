package dev.rotcal.model.forward;

import java.util.ArrayList;
import java.util.List;

/**
 * One decoder layer's tensors with its seven projection matrices copied once into native memory
 * ({@link NativeMatrix}), for running the layer over many blocks: copy once per layer, then every block's
 * GEMMs read the weights in place. Norm gains and biases stay on the heap. Once built, the caller may drop
 * the {@link LayerWeights} it came from.
 */
public final class NativeLayerWeights implements AutoCloseable {
    final DecoderShape shape;
    final float[] inputNorm;          // (hidden) input_layernorm.weight
    final NativeMatrix wq;            // (nHeads * headDim, hidden) q_proj.weight
    final float[] bq;                 // (nHeads * headDim) q_proj.bias, or null
    final NativeMatrix wk;            // (nKvHeads * headDim, hidden) k_proj.weight
    final float[] bk;                 // (nKvHeads * headDim) or null
    final NativeMatrix wv;            // (nKvHeads * headDim, hidden) v_proj.weight
    final float[] bv;                 // (nKvHeads * headDim) or null
    final NativeMatrix wo;            // (hidden, nHeads * headDim) o_proj.weight
    final float[] postAttentionNorm;  // (hidden) post_attention_layernorm.weight
    final NativeMatrix wGate;         // (intermediate, hidden) gate_proj.weight
    final NativeMatrix wUp;           // (intermediate, hidden) up_proj.weight
    final NativeMatrix wDown;         // (hidden, intermediate) down_proj.weight

    /** The HF names of the seven projections, in the order they are held. */
    public static final List<String> PROJECTIONS = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
            "up_proj", "down_proj");

    private NativeLayerWeights(DecoderShape shape, LayerWeights w, List<NativeMatrix> m) {
        this(shape, w.inputNorm(), w.bq(), w.bk(), w.bv(), w.postAttentionNorm(), m);
    }

    private NativeLayerWeights(DecoderShape shape, float[] inputNorm, float[] bq, float[] bk, float[] bv,
                               float[] postAttentionNorm, List<NativeMatrix> m) {
        this.shape = shape;
        this.inputNorm = inputNorm;
        this.wq = m.get(0);
        this.bq = bq;
        this.wk = m.get(1);
        this.bk = bk;
        this.wv = m.get(2);
        this.bv = bv;
        this.wo = m.get(3);
        this.postAttentionNorm = postAttentionNorm;
        this.wGate = m.get(4);
        this.wUp = m.get(5);
        this.wDown = m.get(6);
    }

    /** Checks the tensors against the shape and copies the projections into native memory. */
    public static NativeLayerWeights copyOf(LayerWeights w, DecoderShape s) {
        w.checkFits(s);
        int d = s.hidden();
        List<NativeMatrix> m = new ArrayList<>(7);
        try {
            m.add(NativeMatrix.copyOf(w.wq(), s.qWidth(), d));
            m.add(NativeMatrix.copyOf(w.wk(), s.kvWidth(), d));
            m.add(NativeMatrix.copyOf(w.wv(), s.kvWidth(), d));
            m.add(NativeMatrix.copyOf(w.wo(), d, s.qWidth()));
            m.add(NativeMatrix.copyOf(w.wGate(), s.intermediate(), d));
            m.add(NativeMatrix.copyOf(w.wUp(), s.intermediate(), d));
            m.add(NativeMatrix.copyOf(w.wDown(), d, s.intermediate()));
        } catch (RuntimeException | Error e) {
            m.forEach(NativeMatrix::close);   // an allocation failed: free what was copied
            throw e;
        }
        return new NativeLayerWeights(s, w, m);
    }

    /**
     * A layer built one projection at a time: {@code projection} is asked for each by HF name ({@link #PROJECTIONS},
     * in that order) and its array copied into native memory before the next is asked for, so at most one projection
     * (and whatever the function holds while making it) is on the heap.
     *
     * @param projection name → (out, in) row-major
     */
    public static NativeLayerWeights build(DecoderShape s, float[] inputNorm, float[] bq, float[] bk, float[] bv,
                                           float[] postAttentionNorm,
                                           java.util.function.Function<String, float[]> projection) {
        int d = s.hidden();
        int[][] dims = {{s.qWidth(), d}, {s.kvWidth(), d}, {s.kvWidth(), d}, {d, s.qWidth()},
                {s.intermediate(), d}, {s.intermediate(), d}, {d, s.intermediate()}};
        List<NativeMatrix> m = new ArrayList<>(7);
        try {
            for (int i = 0; i < PROJECTIONS.size(); i++) {
                float[] values = projection.apply(PROJECTIONS.get(i));
                dev.rotcal.Checks.checkArgument(values.length == (long) dims[i][0] * dims[i][1],
                        "Cannot build a layer: %s has %d values, the shape needs (%d, %d)", PROJECTIONS.get(i),
                        values.length, dims[i][0], dims[i][1]);
                m.add(NativeMatrix.copyOf(values, dims[i][0], dims[i][1]));
            }
        } catch (RuntimeException | Error e) {
            m.forEach(NativeMatrix::close);
            throw e;
        }
        return new NativeLayerWeights(s, inputNorm, bq, bk, bv, postAttentionNorm, m);
    }

    /**
     * The same norm gains and biases with other projections, asked for one at a time by HF name ({@link #PROJECTIONS})
     * and each copied into native memory before the next is asked for, so at most one projection is on the heap.
     * This layer's own projections are not read: it may be closed before.
     *
     * @param projection name → (out, in) row-major
     */
    public NativeLayerWeights withProjections(java.util.function.Function<String, float[]> projection) {
        List<NativeMatrix> m = new ArrayList<>(7);
        try {
            for (String name : PROJECTIONS) {
                NativeMatrix own = matrix(name);   // its shape stays readable after close
                m.add(NativeMatrix.copyOf(projection.apply(name), own.rows(), own.cols()));
            }
        } catch (RuntimeException | Error e) {
            m.forEach(NativeMatrix::close);
            throw e;
        }
        return new NativeLayerWeights(shape, inputNorm, bq, bk, bv, postAttentionNorm, m);
    }

    /** A heap copy of projection {@code name} ({@link #PROJECTIONS}), (out, in) row-major. */
    public float[] projection(String name) {
        return matrix(name).toArray();
    }

    private NativeMatrix matrix(String name) {
        return switch (name) {
            case "q_proj" -> wq;
            case "k_proj" -> wk;
            case "v_proj" -> wv;
            case "o_proj" -> wo;
            case "gate_proj" -> wGate;
            case "up_proj" -> wUp;
            case "down_proj" -> wDown;
            default -> throw new IllegalArgumentException("[BUG] unknown projection " + name);
        };
    }

    public DecoderShape shape() {
        return shape;
    }

    /** Native bytes held by the seven projections (what one layer costs outside the Java heap). */
    public long nativeBytes() {
        long bytes = 0;
        for (NativeMatrix m : List.of(wq, wk, wv, wo, wGate, wUp, wDown)) {
            bytes += m.bytes();
        }
        return bytes;
    }

    @Override
    public void close() {
        for (NativeMatrix m : List.of(wq, wk, wv, wo, wGate, wUp, wDown)) {
            m.close();
        }
    }
}
