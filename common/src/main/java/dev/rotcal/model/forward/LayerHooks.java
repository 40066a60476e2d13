package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

/**
 * Run-time transforms at fixed places inside {@link DecoderLayer#forward}, so one layer implementation
 * serves the float model, a rotated model with its online Hadamards ({@code dev.rotcal.model.rotate
 * .OnlineRotationHooks}) and fake-quantized evaluation ({@link FakeQuantHooks}). Each method may modify its
 * arrays in place; the defaults do nothing, and {@link #NONE} is what the hook-free overloads pass.
 *
 * <p>Order inside one layer:
 * <ol>
 *   <li>{@link #attentionInput}: input_layernorm output with its gain, before q/k/v;</li>
 *   <li>{@link #queriesKeys}: q and k after RoPE (R3: a per-head rotation of both leaves q·kᵀ unchanged);</li>
 *   <li>{@link #keysValues}: k (after RoPE and whatever {@link #queriesKeys} did) and v, what a KV cache
 *       would store, before attention;</li>
 *   <li>{@link #oProjInput}: the attention output, o_proj's input;</li>
 *   <li>{@link #mlpInput}: post_attention_layernorm output with its gain, before gate/up;</li>
 *   <li>{@link #downProjInput}: silu(gate) ⊙ up, down_proj's input.</li>
 * </ol>
 * The layer's captures ({@link LayerCaptures}) of k, v, the attention output and the down_proj input are
 * the same arrays, so they hold the values after the hooks; the gain-free norm rows are taken before.
 *
 * <p>A hook is called from the thread that runs the layer; an implementation shared between threads must be
 * stateless (the ones in rotcal are).
 */
public interface LayerHooks {

    /** No hooks: the plain forward. */
    LayerHooks NONE = new LayerHooks() {
    };

    /**
     * @param x  (rows, hidden) row-major input_layernorm output with the gain, what q/k/v read
     */
    default void attentionInput(float[] x, int rows) {
    }

    /**
     * @param q  (rows, nHeads * headDim) row-major queries after RoPE, heads side by side
     * @param k  (rows, nKvHeads * headDim) row-major keys after RoPE
     */
    default void queriesKeys(float[] q, float[] k, int rows) {
    }

    /**
     * @param k  (rows, nKvHeads * headDim) row-major keys after RoPE and {@link #queriesKeys}
     * @param v  (rows, nKvHeads * headDim) row-major values
     */
    default void keysValues(float[] k, float[] v, int rows) {
    }

    /**
     * @param a  (rows, nHeads * headDim) row-major attention output, what o_proj reads
     */
    default void oProjInput(float[] a, int rows) {
    }

    /**
     * @param x  (rows, hidden) row-major post_attention_layernorm output with the gain, what gate/up read
     */
    default void mlpInput(float[] x, int rows) {
    }

    /**
     * @param a  (rows, intermediate) row-major silu(gate) ⊙ up, what down_proj reads
     */
    default void downProjInput(float[] a, int rows) {
    }

    /**
     * These hooks, then {@code next}, at every site (e.g. online rotations, then fake quantization of the
     * rotated values).
     */
    default LayerHooks then(LayerHooks next) {
        checkArgument(next != null, "Cannot compose layer hooks with null (use LayerHooks.NONE)");
        if (next == NONE) {
            return this;
        }
        if (this == NONE) {
            return next;
        }
        LayerHooks first = this;
        return new LayerHooks() {
            @Override
            public void attentionInput(float[] x, int rows) {
                first.attentionInput(x, rows);
                next.attentionInput(x, rows);
            }

            @Override
            public void queriesKeys(float[] q, float[] k, int rows) {
                first.queriesKeys(q, k, rows);
                next.queriesKeys(q, k, rows);
            }

            @Override
            public void keysValues(float[] k, float[] v, int rows) {
                first.keysValues(k, v, rows);
                next.keysValues(k, v, rows);
            }

            @Override
            public void oProjInput(float[] a, int rows) {
                first.oProjInput(a, rows);
                next.oProjInput(a, rows);
            }

            @Override
            public void mlpInput(float[] x, int rows) {
                first.mlpInput(x, rows);
                next.mlpInput(x, rows);
            }

            @Override
            public void downProjInput(float[] a, int rows) {
                first.downProjInput(a, rows);
                next.downProjInput(a, rows);
            }
        };
    }
}
