package dev.rotcal.model.rotate;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.linalg.Orthogonality;
import dev.rotcal.model.LayerTensor;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerWeights;
import dev.rotcal.model.forward.ModelWeights;
import dev.rotcal.model.forward.NativeLayerWeights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Folds QuaRot/DFRot's rotations into a LLaMA-family model's weights, one function per weight site (as
 * QuaRot's rotation_utils). The residual stream h is a row vector and the rotated model carries h' = h·R1
 * (R1 (d, d) orthogonal); HF linears compute y = x·Wᵀ with W [out, in]:
 * <ul>
 *   <li>RMSNorm gains are folded first: input_layernorm's into q/k/v, post_attention_layernorm's into
 *       gate/up, model.norm's into lm_head; the rotated model's gains are 1 (RMSNorm without gain commutes
 *       with R1 because it only divides by ‖h‖);</li>
 *   <li>readers of the residual stream (q, k, v, gate, up, lm_head): W' = W·diag(g)·R1;</li>
 *   <li>writers (o_proj, down_proj): W' = R1ᵀ·W; embeddings E' = E·R1 (token rows);</li>
 *   <li>R2 (offline, per attention head, T = H_headDim/√headDim): v_proj's output rows of each KV head
 *       W'_g = Tᵀ·W_g (and its bias b'_g = b_g·T), o_proj's input columns of each query head
 *       W'_h = W_h·T; every query head of a GQA group reads the same rotated KV head, so one T serves;</li>
 *   <li>R4 (offline half, T = H_intermediate/√intermediate): down_proj W' = W·T, with x·T applied to
 *       down_proj's input at run time ({@link OnlineRotationHooks}).</li>
 * </ul>
 * q/k/v biases (qwen2) are not touched by R1 or the gains (they live in the projections' output space).
 * Tied embeddings come back untied: lm_head carries the final gain, embed_tokens does not.
 *
 * <p>Every product runs in double (BLAS dgemm, Hadamards in double); results are stored as float32 once.
 * {@link #rotateLayer} needs only that layer's weights, so a distributed job can rotate one layer per task.
 */
public final class ModelRotation {
    /** Largest ‖R1ᵀR1 − I‖_max accepted (a float32-stored orthogonal matrix is ≈ 1e-7 off). */
    static final double ORTHOGONALITY_TOLERANCE = 1e-5;
    /** Rows of a reader weight converted to double at a time. */
    private static final int CHUNK_ROWS = 1024;

    private ModelRotation() {
    }

    /** R2's per-head Hadamard for a layer shape: plain H_headDim/√headDim. */
    public static OnlineRotationSpec r2(DecoderShape shape) {
        return OnlineRotationSpec.hadamard("R2", shape.headDim());
    }

    /** R3's online per-head Hadamard on q and k after RoPE: plain H_headDim/√headDim. */
    public static OnlineRotationSpec r3(DecoderShape shape) {
        return OnlineRotationSpec.hadamard("R3", shape.headDim());
    }

    /** R4's Hadamard on down_proj's input: plain H_intermediate/√intermediate. */
    public static OnlineRotationSpec r4(DecoderShape shape) {
        return OnlineRotationSpec.hadamard("R4", shape.intermediate());
    }

    /**
     * Rotates one decoder layer with QuaRot's plain Hadamards for R2 and R4.
     *
     * @param r1  (d, d) row-major orthogonal R1
     * @param r2  fold R2 ({@link #r2}) into v_proj and o_proj
     * @param r4  fold R4's offline half ({@link #r4}) into down_proj; the model must then run with
     *            {@link OnlineRotationHooks} applying {@link #r4} to down_proj's input
     * @return the layer of the rotated model: gains 1, biases as given (v's rotated by R2)
     */
    public static LayerWeights rotateLayer(LayerWeights w, double[] r1, DecoderShape shape, boolean r2,
                                           boolean r4) {
        return rotateLayer(w, r1, shape, r2 ? r2(shape) : null, r4 ? r4(shape) : null);
    }

    /**
     * Rotates one decoder layer.
     *
     * @param r1      (d, d) row-major orthogonal R1
     * @param r2Spec  the per-head rotation of size headDim folded into v_proj / o_proj, or null for none
     * @param r4Spec  the rotation of size intermediate folded into down_proj's columns, or null for none
     */
    public static LayerWeights rotateLayer(LayerWeights w, double[] r1, DecoderShape shape,
                                           OnlineRotationSpec r2Spec, OnlineRotationSpec r4Spec) {
        checkRotation(r1, shape.hidden());
        return rotateCheckedLayer(w, r1, shape, r2Spec, r4Spec);
    }

    /** {@link #rotateLayer} once R1 is known to be an orthogonal (d, d) matrix. */
    private static LayerWeights rotateCheckedLayer(LayerWeights w, double[] r1, DecoderShape shape,
                                                   OnlineRotationSpec r2Spec, OnlineRotationSpec r4Spec) {
        w.checkFits(shape);
        int d = shape.hidden();
        float[] wq = rotateProjection("q_proj", w.wq(), w.inputNorm(), w.postAttentionNorm(), r1, shape, r2Spec,
                r4Spec);
        float[] wk = rotateProjection("k_proj", w.wk(), w.inputNorm(), w.postAttentionNorm(), r1, shape, r2Spec,
                r4Spec);
        float[] wv = rotateProjection("v_proj", w.wv(), w.inputNorm(), w.postAttentionNorm(), r1, shape, r2Spec,
                r4Spec);
        float[] wo = rotateProjection("o_proj", w.wo(), w.inputNorm(), w.postAttentionNorm(), r1, shape, r2Spec,
                r4Spec);
        float[] bv = rotateVBias(w.bv(), shape, r2Spec);
        float[] wGate = rotateProjection("gate_proj", w.wGate(), w.inputNorm(), w.postAttentionNorm(), r1, shape,
                r2Spec, r4Spec);
        float[] wUp = rotateProjection("up_proj", w.wUp(), w.inputNorm(), w.postAttentionNorm(), r1, shape, r2Spec,
                r4Spec);
        float[] wDown = rotateProjection("down_proj", w.wDown(), w.inputNorm(), w.postAttentionNorm(), r1, shape,
                r2Spec, r4Spec);
        return new LayerWeights(ones(d), wq, copyOrNull(w.bq()), wk, copyOrNull(w.bk()), wv, bv,
                wo, ones(d), wGate, wUp, wDown);
    }

    /**
     * E' = E·R1: every token's embedding row rotated.
     *
     * @param embedTokens  (vocab, d) row-major model.embed_tokens.weight
     * @param r1           (d, d) row-major orthogonal
     * @return (vocab, d) row-major
     */
    public static float[] rotateEmbeddings(float[] embedTokens, int vocab, double[] r1, int d) {
        checkRotation(r1, d);
        return rotateCheckedEmbeddings(embedTokens, vocab, r1, d);
    }

    private static float[] rotateCheckedEmbeddings(float[] embedTokens, int vocab, double[] r1, int d) {
        checkArgument(embedTokens.length == Math.multiplyExact((long) vocab, d),
                "Cannot rotate embeddings: embed_tokens has %d values, expected (%d, %d)", embedTokens.length,
                vocab, d);
        return readerSide(embedTokens, vocab, null, r1, d);
    }

    /**
     * x·R for a block of rows (activations, a sample of a linear's input), in double; R is not checked (callers
     * pass a rotation they already hold).
     *
     * @param rows (n, d) row-major
     * @param r    (d, d) row-major
     * @return (n, d) row-major
     */
    public static float[] rotateRows(float[] rows, int n, double[] r, int d) {
        checkArgument(rows.length == Math.multiplyExact((long) n, d) && r.length == Math.multiplyExact(d, d),
                "Cannot rotate (%d, %d) rows holding %d values by a rotation of %d values", n, d, rows.length,
                r.length);
        return n == 0 ? new float[0] : readerSide(rows, n, null, r, d);
    }

    /**
     * lm_head' = lm_head·diag(g)·R1 with g the final norm's gain (model.norm then has gain 1).
     *
     * @param lmHead     (vocab, d) row-major lm_head.weight (embed_tokens when tied)
     * @param finalNorm  (d) model.norm.weight
     * @param r1         (d, d) row-major orthogonal
     * @return (vocab, d) row-major, a new array
     */
    public static float[] rotateLmHead(float[] lmHead, float[] finalNorm, int vocab, double[] r1) {
        checkRotation(r1, finalNorm.length);
        return rotateCheckedLmHead(lmHead, finalNorm, vocab, r1);
    }

    private static float[] rotateCheckedLmHead(float[] lmHead, float[] finalNorm, int vocab, double[] r1) {
        int d = finalNorm.length;
        checkArgument(lmHead.length == Math.multiplyExact((long) vocab, d),
                "Cannot rotate lm_head: it has %d values, expected (%d, %d)", lmHead.length, vocab, d);
        return readerSide(lmHead, vocab, finalNorm, r1, d);
    }

    /** The whole model with QuaRot's plain Hadamards for R2 and R4, see {@link #rotateLayer}. */
    public static ModelWeights rotateModel(ModelWeights w, double[] r1, DecoderShape shape, boolean r2,
                                           boolean r4) {
        return rotateModel(w, r1, shape, r2 ? r2(shape) : null, r4 ? r4(shape) : null);
    }

    /**
     * The whole model rotated: every layer ({@link #rotateLayer}), the embeddings, and lm_head with the
     * final gain folded; model.norm becomes all ones and lm_head is a separate array even when tied.
     */
    public static ModelWeights rotateModel(ModelWeights w, double[] r1, DecoderShape shape,
                                           OnlineRotationSpec r2Spec, OnlineRotationSpec r4Spec) {
        w.checkFits(shape);
        int d = shape.hidden();
        checkRotation(r1, d);   // once for the model, not once per layer
        List<LayerWeights> layers = new ArrayList<>(w.layers().size());
        for (LayerWeights layer : w.layers()) {
            layers.add(rotateCheckedLayer(layer, r1, shape, r2Spec, r4Spec));
        }
        return new ModelWeights(w.vocab(), rotateCheckedEmbeddings(w.embedTokens(), w.vocab(), r1, d), layers,
                ones(d), rotateCheckedLmHead(w.lmHead(), w.finalNorm(), w.vocab(), r1));
    }

    /**
     * One projection of the rotated layer, by HF name (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj),
     * from the original projection and the layer's norm gains: the values {@link #rotateLayer} gives it. For building a
     * rotated layer one projection at a time: at LLaMA-70B widths a layer is 3.2 GiB in float32, and the whole original
     * beside the whole rotated layer did not fit an 11 GiB heap with the scales stage's other arrays. R1 must have
     * passed {@link #checkOrthogonal}.
     *
     * @param w (out, in) row-major, the original projection
     */
    static float[] rotateProjection(String name, float[] w, float[] inputNorm, float[] postAttentionNorm,
                                           double[] r1, DecoderShape shape, OnlineRotationSpec r2Spec,
                                           OnlineRotationSpec r4Spec) {
        checkArgument(r2Spec == null || r2Spec.size() == shape.headDim(),
                "Cannot rotate a layer with R2 of size %d: R2 acts per head, head_dim is %d",
                r2Spec == null ? 0 : r2Spec.size(), shape.headDim());
        checkArgument(r4Spec == null || r4Spec.size() == shape.intermediate(),
                "Cannot rotate a layer with R4 of size %d: R4 acts on down_proj's input, intermediate_size is %d",
                r4Spec == null ? 0 : r4Spec.size(), shape.intermediate());
        int d = shape.hidden();
        return switch (name) {
            case "q_proj" -> readerSide(w, shape.qWidth(), inputNorm, r1, d);
            case "k_proj" -> readerSide(w, shape.kvWidth(), inputNorm, r1, d);
            case "v_proj" -> {
                double[] wv = readerSideDouble(w, shape.kvWidth(), inputNorm, r1, d);   // (kvWidth, d)
                if (r2Spec != null) {
                    rotateHeadOutputs(wv, shape.nKvHeads(), shape.headDim(), d, r2Spec);
                }
                yield toFloat(wv);
            }
            case "o_proj" -> {
                float[] wo = writerSide(w, shape.qWidth(), r1, d);                       // (d, qWidth)
                if (r2Spec != null) {
                    rotateInputColumns(wo, d, shape.qWidth(), r2Spec);
                }
                yield wo;
            }
            case "gate_proj", "up_proj" -> readerSide(w, shape.intermediate(), postAttentionNorm, r1, d);
            case "down_proj" -> {
                float[] wDown = writerSide(w, shape.intermediate(), r1, d);             // (d, intermediate)
                if (r4Spec != null) {
                    rotateInputColumns(wDown, d, shape.intermediate(), r4Spec);
                }
                yield wDown;
            }
            default -> throw new IllegalArgumentException("[BUG] unknown projection " + name);
        };
    }

    /** v_proj's bias in the rotated layer: per head by R2 when given, else a copy; null stays null. */
    static float[] rotateVBias(float[] bv, DecoderShape shape, OnlineRotationSpec r2Spec) {
        if (bv == null || r2Spec == null) {
            return copyOrNull(bv);
        }
        return rotateBias(bv, shape.nKvHeads(), r2Spec);
    }

    /**
     * {@link #rotateLayer} (R2 and R4 as QuaRot's Hadamards when asked) built one projection at a time into native
     * memory: each is read through {@code read}, rotated, copied and dropped before the next is read, so the heap holds
     * the largest projection twice instead of the layer twice (3.2 GiB each at LLaMA-70B widths). Same values as
     * {@code NativeLayerWeights.copyOf(rotateLayer(...))}.
     *
     * @param read the original layer's tensor of each kind (null for a bias the model lacks)
     */
    public static NativeLayerWeights rotateLayerToNative(Function<LayerTensor, float[]> read, double[] r1,
                                                         DecoderShape shape, boolean r2, boolean r4) {
        checkRotation(r1, shape.hidden());
        OnlineRotationSpec r2Spec = r2 ? r2(shape) : null;
        OnlineRotationSpec r4Spec = r4 ? r4(shape) : null;
        float[] inputNorm = read.apply(LayerTensor.INPUT_NORM);
        float[] postNorm = read.apply(LayerTensor.POST_ATTENTION_NORM);
        return NativeLayerWeights.build(shape, ones(shape.hidden()), read.apply(LayerTensor.Q_BIAS),
                read.apply(LayerTensor.K_BIAS), rotateVBias(read.apply(LayerTensor.V_BIAS), shape, r2Spec),
                ones(shape.hidden()), name -> rotateProjection(name, read.apply(projection(name)), inputNorm,
                        postNorm, r1, shape, r2Spec, r4Spec));
    }

    private static LayerTensor projection(String name) {
        return switch (name) {
            case "q_proj" -> LayerTensor.Q_PROJ;
            case "k_proj" -> LayerTensor.K_PROJ;
            case "v_proj" -> LayerTensor.V_PROJ;
            case "o_proj" -> LayerTensor.O_PROJ;
            case "gate_proj" -> LayerTensor.GATE_PROJ;
            case "up_proj" -> LayerTensor.UP_PROJ;
            case "down_proj" -> LayerTensor.DOWN_PROJ;
            default -> throw new IllegalArgumentException("[BUG] unknown projection " + name);
        };
    }

    // ---- one function per site

    /**
     * A reader of the residual stream: W·diag(g)·R1, computed in double in chunks of rows and stored as
     * float (so a wide gate/up never exists in double at once).
     *
     * @param w     (out, d) row-major
     * @param gain  (d) folded norm gain, or null for none
     * @return (out, d) row-major
     */
    static float[] readerSide(float[] w, int out, float[] gain, double[] r1, int d) {
        float[] result = new float[Math.multiplyExact(out, d)];     // (out, d)
        int chunk = Math.min(out, CHUNK_ROWS);
        double[] a = new double[Math.multiplyExact(chunk, d)];       // (chunk, d) W·diag(g) rows
        double[] c = new double[a.length];                           // (chunk, d) their product with R1
        for (int r0 = 0; r0 < out; r0 += chunk) {
            int n = Math.min(chunk, out - r0);
            for (int i = 0; i < n * d; i++) {
                a[i] = gain == null ? w[r0 * d + i] : (double) w[r0 * d + i] * gain[i % d];
            }
            if (n < chunk) {
                // the last, shorter chunk: dgemm here takes exactly (n, d) arrays
                a = Arrays.copyOf(a, n * d);
                c = new double[n * d];
            }
            DenseLinearAlgebra.gemm(false, false, n, d, d, 1.0, a, r1, 0.0, c);
            for (int i = 0; i < n * d; i++) {
                result[r0 * d + i] = (float) c[i];
            }
        }
        return result;
    }

    /**
     * {@link #readerSide} kept in double, for a site a further rotation follows (v_proj with R2).
     *
     * @param w     (out, d) row-major
     * @param gain  (d) folded norm gain, or null for none
     * @return (out, d) row-major
     */
    static double[] readerSideDouble(float[] w, int out, float[] gain, double[] r1, int d) {
        double[] a = new double[Math.multiplyExact(out, d)];         // (out, d) W·diag(g)
        for (int i = 0; i < a.length; i++) {
            a[i] = gain == null ? w[i] : (double) w[i] * gain[i % d];
        }
        double[] c = new double[a.length];                           // (out, d)
        DenseLinearAlgebra.gemm(false, false, out, d, d, 1.0, a, r1, 0.0, c);
        return c;
    }

    /**
     * A writer into the residual stream: R1ᵀ·W, in double per column chunk, stored as float.
     *
     * @param w  (d, in) row-major
     * @return (d, in) row-major
     */
    static float[] writerSide(float[] w, int in, double[] r1, int d) {
        float[] c = new float[Math.multiplyExact(d, in)];            // (d, in)
        // column chunks: W's columns are independent under R1ᵀ·W; each chunk's product is in double and rounded to
        // float once, so no (d, in) double array is ever held (at LLaMA-3-70B's down_proj two of them were 3.5 GiB,
        // and with the layer around them the heap could not place them)
        int chunk = Math.min(in, CHUNK_ROWS);
        double[] a = new double[Math.multiplyExact(d, chunk)];       // (d, chunk) W[:, c0:c1]
        double[] part = new double[a.length];                        // (d, chunk) R1ᵀ·W[:, c0:c1]
        for (int c0 = 0; c0 < in; c0 += chunk) {
            int n = Math.min(chunk, in - c0);
            if (n < chunk) {
                a = new double[d * n];
                part = new double[d * n];
            }
            for (int r = 0; r < d; r++) {
                for (int j = 0; j < n; j++) {
                    a[r * n + j] = w[r * in + c0 + j];
                }
            }
            DenseLinearAlgebra.gemm(true, false, d, n, d, 1.0, r1, a, 0.0, part);
            for (int r = 0; r < d; r++) {
                for (int j = 0; j < n; j++) {
                    c[r * in + c0 + j] = (float) part[r * n + j];
                }
            }
        }
        return c;
    }

    /**
     * Rotates each head's output channels so its output becomes y_g·T: W_g ← Tᵀ·W_g for every head block
     * of rows (T applied to the columns of W_g, as rows of W_gᵀ).
     *
     * @param w  (heads · headDim, d) row-major, updated in place
     */
    static void rotateHeadOutputs(double[] w, int heads, int headDim, int d, OnlineRotationSpec t) {
        double[] block = new double[Math.multiplyExact(d, headDim)];   // (d, headDim) W_gᵀ
        for (int g = 0; g < heads; g++) {
            int off = g * headDim * d;
            for (int i = 0; i < headDim; i++) {
                for (int j = 0; j < d; j++) {
                    block[j * headDim + i] = w[off + i * d + j];
                }
            }
            t.apply(block, d);                                          // W_gᵀ·T = (Tᵀ·W_g)ᵀ
            for (int i = 0; i < headDim; i++) {
                for (int j = 0; j < d; j++) {
                    w[off + i * d + j] = block[j * headDim + i];
                }
            }
        }
    }

    /**
     * Rotates the input columns in blocks of T's size: every row segment of length n becomes segment·T, so
     * W' reads x·T (per block) as W read x.
     *
     * @param w  (rows, cols) row-major with cols a multiple of T's size, updated in place
     */
    static void rotateInputColumns(float[] w, int rows, int cols, OnlineRotationSpec t) {
        int chunk = Math.max(1, Math.min(rows, CHUNK_ROWS * 1024 / Math.max(1, cols)));
        double[] x = new double[Math.multiplyExact(chunk, cols)];
        for (int r0 = 0; r0 < rows; r0 += chunk) {
            int n = Math.min(chunk, rows - r0);
            int off = r0 * cols;
            for (int i = 0; i < n * cols; i++) {
                x[i] = w[off + i];
            }
            t.apply(x, n * (cols / t.size()));
            for (int i = 0; i < n * cols; i++) {
                w[off + i] = (float) x[i];
            }
        }
    }

    /** b_g·T for every head block of a bias: (heads · headDim) → a new array. */
    static float[] rotateBias(float[] b, int heads, OnlineRotationSpec t) {
        double[] x = toDouble(b);
        t.apply(x, heads);
        return toFloat(x);
    }

    // ---- helpers

    private static void checkRotation(double[] r1, int d) {
        checkArgument(r1 != null && r1.length == Math.multiplyExact((long) d, d),
                "Cannot rotate with R1 of %d values: hidden_size is %d, so R1 must be (%d, %d) row-major",
                r1 == null ? 0 : r1.length, d, d, d);
        double deviation = Orthogonality.maxDeviation(r1, d);
        checkArgument(deviation <= ORTHOGONALITY_TOLERANCE,
                "Cannot rotate with R1: it is not orthogonal (max |R1ᵀR1 − I| = %s > %s) (pass e.g. "
                        + "RandomizedHadamard.matrix or RandomOrthogonal.matrix, or a refined DFRot rotation)",
                deviation, ORTHOGONALITY_TOLERANCE);
    }

    private static float[] ones(int d) {
        float[] g = new float[d];
        Arrays.fill(g, 1f);
        return g;
    }

    private static float[] copyOrNull(float[] x) {
        return x == null ? null : x.clone();
    }

    private static double[] toDouble(float[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i];
        }
        return y;
    }

    private static float[] toFloat(double[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) x[i];
        }
        return y;
    }
}
