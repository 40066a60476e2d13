package dev.rotcal.demo;

import static dev.rotcal.demo.DemoLayerWeights.zeroRow;
import static dev.rotcal.demo.DemoMagnitudes.ABS_SHARPNESS;
import static dev.rotcal.demo.DemoMagnitudes.CONSTANT;
import static dev.rotcal.demo.DemoMagnitudes.DELIMITER_OFF_GATE;
import static dev.rotcal.demo.DemoMagnitudes.DELIMITER_VALUES;
import static dev.rotcal.demo.DemoMagnitudes.FIRING_GATE;
import static dev.rotcal.demo.DemoMagnitudes.FIRING_UP;
import static dev.rotcal.demo.DemoMagnitudes.FIRST_TOKEN_OFF_GATE;
import static dev.rotcal.demo.DemoMagnitudes.FIRST_TOKEN_VALUES;
import static dev.rotcal.demo.DemoMagnitudes.FLAG;
import static dev.rotcal.demo.DemoMagnitudes.MIN_CODE_DISTANCE;
import static dev.rotcal.demo.DemoMagnitudes.PLANTED_RMS_GROWTH;

/**
 * The planted layer's two massive neurons. Both have up = x[c0]·u (≈ 16 when they fire) and act like biases:
 * what they write hardly depends on the token.
 * <ul>
 *   <li>first-token neuron: gate = g1·x[c0] − g2·x[Z]. x[Z] = 0 exactly at position 0, so the gate is
 *       +16; everywhere else Z ≥ Z_min (two different tokens' codes differ in ≥ 8 channels) and the gate is
 *       ≤ −40, where silu is ≈ 0. Since x = h / rms(h), the sign depends only on the ratio Z / c0;</li>
 *   <li>delimiter neuron: gate = g_f·x[flag] − τ·x[c0]: +16 on the delimiter, −56 on every other token;</li>
 *   <li>down_proj writes silu(16)·16 = 256 times (v1, v2) / 256 into the two massive channels, with
 *       LLaMA2-7B's values: (+767.6, −458.55) for the first token and (+2546.8, −1502.0) for the delimiter.</li>
 * </ul>
 */
final class MassiveNeurons {
    private MassiveNeurons() {
    }

    /** Writes both neurons into the planted layer's MLP; {@code rowRms} is r0 of the embedding rows. */
    static void plant(DemoLayerWeights w, DemoModelSpec spec, DemoChannels ch, DemoNeurons neurons, double rowRms) {
        int d = spec.hiddenSize();
        int inter = spec.intermediateSize();
        double rms = rowRms * PLANTED_RMS_GROWTH;                 // nominal rms(h) at this MLP's input
        double zMin = MIN_CODE_DISTANCE * DemoMagnitudes.absPair(ABS_SHARPNESS) * PositionZeroCircuit.zPerChannel();
        double output = FIRING_GATE * FIRING_UP;                  // silu(gate)·up of a firing neuron

        int first = neurons.firstToken();
        clear(w, first, d, inter);
        w.gate()[first * d + ch.constant()] = (float) (FIRING_GATE * rms / CONSTANT);
        w.gate()[first * d + ch.z()] = (float) (-(FIRING_GATE - FIRST_TOKEN_OFF_GATE) * rms / zMin);
        w.up()[first * d + ch.constant()] = (float) (FIRING_UP * rms / CONSTANT);
        writeMassive(w, ch, first, inter, FIRST_TOKEN_VALUES, output);

        int delimiter = neurons.delimiter();
        clear(w, delimiter, d, inter);
        w.gate()[delimiter * d + ch.flag()] = (float) ((FIRING_GATE - DELIMITER_OFF_GATE) * rms / FLAG);
        w.gate()[delimiter * d + ch.constant()] = (float) (DELIMITER_OFF_GATE * rms / CONSTANT);
        w.up()[delimiter * d + ch.constant()] = (float) (FIRING_UP * rms / CONSTANT);
        writeMassive(w, ch, delimiter, inter, DELIMITER_VALUES, output);
    }

    private static void clear(DemoLayerWeights w, int neuron, int d, int inter) {
        zeroRow(w.gate(), neuron, d);
        zeroRow(w.up(), neuron, d);
        for (int c = 0; c < d; c++) {
            w.down()[c * inter + neuron] = 0f;
        }
    }

    /** down_proj column {@code neuron}: values / output into the two massive channels, 0 elsewhere. */
    private static void writeMassive(DemoLayerWeights w, DemoChannels ch, int neuron, int inter, double[] values,
                                     double output) {
        for (int i = 0; i < 2; i++) {
            w.down()[ch.massive()[i] * inter + neuron] = (float) (values[i] / output);
        }
    }
}
