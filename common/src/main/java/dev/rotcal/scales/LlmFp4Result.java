package dev.rotcal.scales;

import dev.rotcal.quant.FpFormat;
import java.util.List;

/**
 * What {@link LlmFp4Search} chose for one linear.
 *
 * @param format                 the 4-bit format with the smallest layer-output error
 * @param activationBias         tensor-wise activation exponent bias of {@code format} (= b̃, the smallest
 *                               per-channel bias)
 * @param weightBiases           (out) exponent bias of each output channel's weights
 * @param channelActivationBiases (in) per-channel activation biases b_c (the activation clip applied per
 *                               channel); NaN for an all-zero channel
 * @param channelShifts          (in) ρ_c = clamp(rint(b_c) − rint(b̃), 0, 2^E − 1); 0 for an all-zero channel
 * @param foldedWeights          (out, in) row-major W with column c multiplied by 2^−ρ_c (activation column c
 *                               is multiplied by 2^ρ_c, see {@link LlmFp4Search#shiftActivations})
 * @param formatsTried           the candidate formats, in search order
 * @param outputErrors           (formats) ‖X·Wᵀ − Q(X)·Q(W)ᵀ‖² of each candidate after its search
 */
public record LlmFp4Result(FpFormat format, double activationBias, double[] weightBiases,
                           double[] channelActivationBiases, int[] channelShifts, float[] foldedWeights,
                           List<FpFormat> formatsTried, double[] outputErrors) {

    /** The chosen format's layer-output error. */
    public double outputError() {
        return outputErrors[formatsTried.indexOf(format)];
    }
}
