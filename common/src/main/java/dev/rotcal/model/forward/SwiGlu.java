package dev.rotcal.model.forward;

import static dev.rotcal.Checks.checkArgument;

/**
 * The gating of LLaMA's SwiGLU MLP, down(silu(gate(x)) ⊙ up(x)): the element-wise part between the
 * gate/up projections and down_proj. Its output is down_proj's input.
 */
public final class SwiGlu {
    private SwiGlu() {
    }

    /**
     * gate[i] = silu(gate[i]) · up[i] in place, with silu(z) = z / (1 + e^(−z)).
     *
     * @param gate  (rows, intermediate) gate_proj output; becomes down_proj's input
     * @param up    (rows, intermediate) up_proj output
     */
    public static void gateInPlace(float[] gate, float[] up) {
        checkArgument(gate.length == up.length,
                "Cannot gate an MLP block: gate holds %d floats, up holds %d", gate.length, up.length);
        for (int i = 0; i < gate.length; i++) {
            gate[i] = (float) (silu(gate[i]) * up[i]);
        }
    }

    /** silu(z) = z · sigmoid(z), in double. */
    public static double silu(double z) {
        return z / (1 + Math.exp(-z));
    }
}
