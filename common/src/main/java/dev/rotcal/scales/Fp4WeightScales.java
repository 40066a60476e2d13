package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.quant.MxFp4Quantizer;
import dev.rotcal.quant.MxFp4Tensor;
import dev.rotcal.quant.MxScaleRule;
import dev.rotcal.quant.NvFp4Quantizer;
import dev.rotcal.quant.NvFp4Tensor;
import dev.rotcal.quant.QuantizationError;
import java.util.List;

/**
 * FP4 weight scales of one linear (reference/FORMATS.md): NVFP4 in ModelOpt's convention (E4M3 block scale
 * per 16 along the input dim, fp32 global s_g = amax / (6 · 448)) and MXFP4 (E8M0 block scale per 32). The
 * quantizers are {@link NvFp4Quantizer} / {@link MxFp4Quantizer}; this class picks the global scales, packs
 * the results with their dequantized weights and errors, and gives fused groups (q/k/v, gate/up) one shared
 * global scale, which serving kernels require because the fused GEMM has one fp32 scale per operand.
 */
public final class Fp4WeightScales {
    private Fp4WeightScales() {
    }

    /**
     * NVFP4 with the linear's own global scale s_g = max|W| / (6 · 448).
     *
     * @param weights (out, in) row-major, in a multiple of 16
     */
    public static NvFp4Weights nvfp4(float[] weights, int out, int in) {
        return nvfp4(weights, out, in, NvFp4Quantizer.globalScale(amax(weights, out, in)));
    }

    /**
     * NVFP4 with an explicit ModelOpt global scale (a fused group's {@link #sharedGlobalScale}).
     *
     * @param weights     (out, in) row-major, in a multiple of 16
     * @param globalScale ModelOpt s_g (> 0)
     */
    public static NvFp4Weights nvfp4(float[] weights, int out, int in, float globalScale) {
        checkShape(weights, out, in);
        NvFp4Tensor tensor = NvFp4Quantizer.quantize(weights, out, in, globalScale);
        float[] dequantized = new float[out * in]; // (out, in)
        NvFp4Quantizer.dequantize(tensor, dequantized);
        return new NvFp4Weights(out, in, tensor.packedCodes(), tensor.blockScaleCodes(), globalScale, dequantized,
                QuantizationError.sumSquaredError(weights, dequantized, 0, out * in));
    }

    /**
     * MXFP4 with the given block-scale rule.
     *
     * @param weights (out, in) row-major, in a multiple of 32
     */
    public static MxFp4Weights mxfp4(float[] weights, int out, int in, MxScaleRule rule) {
        checkShape(weights, out, in);
        MxFp4Tensor tensor = MxFp4Quantizer.quantize(weights, out, in, rule);
        float[] dequantized = new float[out * in]; // (out, in)
        MxFp4Quantizer.dequantize(tensor, dequantized);
        return new MxFp4Weights(out, in, tensor.packedCodes(), tensor.scaleCodes(), rule, dequantized,
                QuantizationError.sumSquaredError(weights, dequantized, 0, out * in));
    }

    /**
     * One ModelOpt global scale for a fused group: s_g = (max over all members of max|W|) / (6 · 448).
     *
     * @param members the group's weight matrices (q, k, v or gate, up), each read in full
     */
    public static float sharedGlobalScale(List<float[]> members) {
        checkArgument(members != null && !members.isEmpty(),
                "Cannot compute a shared NVFP4 global scale of an empty group (pass q/k/v or gate/up)");
        float amax = 0f;
        for (float[] w : members) {
            amax = Math.max(amax, amax(w, 1, w.length));
        }
        return NvFp4Quantizer.globalScale(amax);
    }

    /**
     * NVFP4 for every member of a fused group with their {@link #sharedGlobalScale}.
     *
     * @param members (out_i, in) row-major weights, one per member, all with the same {@code in}
     * @param outs    out_i of each member
     */
    public static List<NvFp4Weights> nvfp4FusedGroup(List<float[]> members, int[] outs, int in) {
        checkArgument(members != null && outs != null && members.size() == outs.length,
                "Cannot quantize a fused group: %s weight matrices but %s output sizes (one per member)",
                members == null ? "null" : members.size(), outs == null ? "null" : outs.length);
        for (int i = 0; i < outs.length; i++) {
            checkShape(members.get(i), outs[i], in);
        }
        float shared = sharedGlobalScale(members);
        NvFp4Weights[] result = new NvFp4Weights[outs.length];
        for (int i = 0; i < outs.length; i++) {
            result[i] = nvfp4(members.get(i), outs[i], in, shared);
        }
        return List.of(result);
    }

    /**
     * Static NVFP4 activation global scale (ModelOpt input_scale) from the calibrated activation amax:
     * amax_act / (6 · 448); an all-zero input gets 1. Block scales of activations are computed at run time.
     */
    public static float activationGlobalScale(float amaxActivation) {
        return NvFp4Quantizer.globalScale(amaxActivation);
    }

    /** {@link #activationGlobalScale(float)} of the tensor amax accumulated over the calibration rows. */
    public static float activationGlobalScale(ChannelRangeAccumulator ranges) {
        checkArgument(ranges.rows() > 0,
                "Cannot compute an NVFP4 input_scale from no rows: add calibration rows to the accumulator first");
        return activationGlobalScale(ranges.tensorAbsMax());
    }

    private static float amax(float[] w, int out, int in) {
        checkShape(w, out, in);
        float amax = 0f;
        for (int i = 0; i < out * in; i++) {
            amax = Math.max(amax, Math.abs(w[i]));
        }
        checkArgument(Float.isFinite(amax), "Cannot compute an NVFP4 global scale: the weights hold %s (check for "
                + "NaN / Inf)", amax);
        return amax;
    }

    private static void checkShape(float[] w, int out, int in) {
        checkArgument(w != null && out > 0 && in > 0 && w.length == Math.multiplyExact((long) out, in),
                "Cannot quantize a (%d, %d) weight to FP4: the array holds %s floats (need out · in)", out, in,
                w == null ? "no" : String.valueOf(w.length));
    }
}
