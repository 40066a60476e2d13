package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.quant.IntQuantizer;

/**
 * Fake quantization of a decoder layer's activations and KV cache (the "A4KV4" of W4A4KV4), as
 * {@link LayerHooks}; the weights are fake-quantized by the caller (pass quantized {@link LayerWeights}).
 * QuaRot conventions (reference/FORMATS.md), through
 * {@link IntQuantizer#fakeQuantAsymmetricPerRow}:
 * <ul>
 *   <li>activations: per token, asymmetric b-bit, dynamic (scales from each row), with a clip ratio per
 *       site ({@link ActivationClipRatios}) at the inputs of q/k/v, gate/up, o_proj and down_proj;</li>
 *   <li>KV cache: asymmetric b-bit per token and KV head (group = head_dim), K after RoPE (and after R3 when
 *       the rotation hooks run first) with its own clip ratio, V with another.</li>
 * </ul>
 * Compose after online rotations: {@code rotation.then(fakeQuant)}. Stateless, so one instance may serve
 * many threads.
 */
public final class FakeQuantHooks implements LayerHooks {
    private final DecoderShape shape;
    private final int activationBits;
    private final ActivationClipRatios clips;
    private final int kvBits;
    private final float keyClip;
    private final float valueClip;

    /**
     * @param activationBits  bits of the per-token activation quantizers, 2..16
     * @param kvBits          bits of the per-head K and V quantizers, 2..16
     * @param keyClip         clip ratio of K, in (0, 1]
     * @param valueClip       clip ratio of V, in (0, 1]
     */
    public FakeQuantHooks(DecoderShape shape, int activationBits, ActivationClipRatios clips, int kvBits,
                          float keyClip, float valueClip) {
        checkArgument(activationBits >= 2 && activationBits <= 16,
                "Cannot fake-quantize activations to %d bits: supported 2..16", activationBits);
        checkArgument(kvBits >= 2 && kvBits <= 16, "Cannot fake-quantize the KV cache to %d bits: supported 2..16",
                kvBits);
        checkArgument(clips != null, "Cannot fake-quantize activations without clip ratios "
                + "(use ActivationClipRatios.uniform(1f) for none)");
        checkArgument(keyClip > 0f && keyClip <= 1f && valueClip > 0f && valueClip <= 1f,
                "Cannot fake-quantize the KV cache with clip ratios K %s, V %s: each must be in (0, 1]", keyClip,
                valueClip);
        this.shape = shape;
        this.activationBits = activationBits;
        this.clips = clips;
        this.kvBits = kvBits;
        this.keyClip = keyClip;
        this.valueClip = valueClip;
    }

    /** A4KV4 with the given clip ratios. */
    public static FakeQuantHooks a4kv4(DecoderShape shape, ActivationClipRatios clips, float keyClip,
                                       float valueClip) {
        return new FakeQuantHooks(shape, 4, clips, 4, keyClip, valueClip);
    }

    @Override
    public void attentionInput(float[] x, int rows) {
        IntQuantizer.fakeQuantAsymmetricPerRow(x, x, rows, shape.hidden(), activationBits, clips.attentionInput());
    }

    @Override
    public void keysValues(float[] k, float[] v, int rows) {
        // (rows, kvHeads·hd) row-major is (rows·kvHeads, hd): one quantization group per token and KV head
        int groups = Math.multiplyExact(rows, shape.nKvHeads());
        IntQuantizer.fakeQuantAsymmetricPerRow(k, k, groups, shape.headDim(), kvBits, keyClip);
        IntQuantizer.fakeQuantAsymmetricPerRow(v, v, groups, shape.headDim(), kvBits, valueClip);
    }

    @Override
    public void oProjInput(float[] a, int rows) {
        IntQuantizer.fakeQuantAsymmetricPerRow(a, a, rows, shape.qWidth(), activationBits, clips.oProjInput());
    }

    @Override
    public void mlpInput(float[] x, int rows) {
        IntQuantizer.fakeQuantAsymmetricPerRow(x, x, rows, shape.hidden(), activationBits, clips.mlpInput());
    }

    @Override
    public void downProjInput(float[] a, int rows) {
        IntQuantizer.fakeQuantAsymmetricPerRow(a, a, rows, shape.intermediate(), activationBits,
                clips.downProjInput());
    }
}
