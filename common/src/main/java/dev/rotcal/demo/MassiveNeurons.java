package dev.rotcal.demo;

import static dev.rotcal.demo.DemoMagnitudes.ABS_SHARPNESS;
import static dev.rotcal.demo.DemoMagnitudes.DELIMITER_OFF_GATE;
import static dev.rotcal.demo.DemoMagnitudes.DELIMITER_VALUES;
import static dev.rotcal.demo.DemoMagnitudes.FIRING_GATE;
import static dev.rotcal.demo.DemoMagnitudes.FIRING_UP;
import static dev.rotcal.demo.DemoMagnitudes.FIRST_TOKEN_OFF_GATE;
import static dev.rotcal.demo.DemoMagnitudes.FIRST_TOKEN_VALUES;
import static dev.rotcal.model.LayerTensor.DOWN_PROJ;
import static dev.rotcal.model.LayerTensor.GATE_PROJ;
import static dev.rotcal.model.LayerTensor.UP_PROJ;

/**
 * The planted layer's two massive neurons. Both have up = x[c0]·u (≈ 16 when they fire) and act like biases:
 * what they write hardly depends on the token.
 * <ul>
 *   <li>first-token neuron: gate = g1·x[c0] − g2·x[Z]. x[Z] = 0 exactly at position 0, so the gate is
 *       +16; everywhere else Z ≥ Z_min (two different tokens' codes differ in ≥ 8 channels) and the gate is
 *       ≤ −40, where silu is ≈ 0. Since x = h / rms(h), the sign depends only on the ratio Z / c0. It needs
 *       Z from layer 0's MLP, so a one-layer model (planted layer 0) has only the delimiter neuron;</li>
 *   <li>delimiter neuron: gate = g_f·x[flag] − τ·x[c0]: +16 on the delimiter, −56 on every other token;</li>
 *   <li>down_proj writes silu(16)·16 = 256 times (v1, v2) / 256 into the two massive channels, with
 *       LLaMA2-7B's values: (+767.6, −458.55) for the first token and (+2546.8, −1502.0) for the delimiter.</li>
 * </ul>
 */
final class MassiveNeurons {
    private MassiveNeurons() {
    }

    /** Writes the neurons into the planted layer's MLP; {@code rowRms} is r0 of the embedding rows. */
    static void plant(LayerEdits w, CircuitShape c, DemoChannels ch, DemoNeurons neurons, double rowRms) {
        double zMin = c.minCodeDistance() * DemoMagnitudes.absPair(ABS_SHARPNESS) * PositionZeroCircuit.zPerChannel(c);
        double output = FIRING_GATE * FIRING_UP;                  // silu(gate)·up of a firing neuron

        if (c.hasFirstTokenNeuron()) {
            double rms = rowRms * c.firstTokenRmsGrowth();        // nominal rms(h) at this MLP's input
            int first = neurons.firstToken();
            clear(w, first);
            w.set(GATE_PROJ, first, ch.constant(), (float) (FIRING_GATE * rms / c.constant()));
            w.set(GATE_PROJ, first, ch.z(), (float) (-(FIRING_GATE - FIRST_TOKEN_OFF_GATE) * rms / zMin));
            w.set(UP_PROJ, first, ch.constant(), (float) (FIRING_UP * rms / c.constant()));
            writeMassive(w, ch, first, FIRST_TOKEN_VALUES, output);
        }

        double rms = rowRms * c.delimiterRmsGrowth();
        int delimiter = neurons.delimiter();
        clear(w, delimiter);
        w.set(GATE_PROJ, delimiter, ch.flag(), (float) ((FIRING_GATE - DELIMITER_OFF_GATE) * rms / c.flag()));
        w.set(GATE_PROJ, delimiter, ch.constant(), (float) (DELIMITER_OFF_GATE * rms / c.constant()));
        w.set(UP_PROJ, delimiter, ch.constant(), (float) (FIRING_UP * rms / c.constant()));
        writeMassive(w, ch, delimiter, DELIMITER_VALUES, output);
    }

    private static void clear(LayerEdits w, int neuron) {
        w.zeroRow(GATE_PROJ, neuron);
        w.zeroRow(UP_PROJ, neuron);
        w.zeroColumn(DOWN_PROJ, neuron);
    }

    /** down_proj column {@code neuron}: values / output into the two massive channels, 0 elsewhere. */
    private static void writeMassive(LayerEdits w, DemoChannels ch, int neuron, double[] values, double output) {
        for (int i = 0; i < 2; i++) {
            w.set(DOWN_PROJ, ch.massive()[i], neuron, (float) (values[i] / output));
        }
    }
}
