package dev.rotcal.scales;

import java.util.List;
import java.util.Locale;

/**
 * The four activation inputs of a decoder layer's linears, as the rotated model sees them (reference/FORMATS.md,
 * QuaRot's layout): each is quantized once per token and feeds the linears listed.
 */
public enum LinearInput {
    /** input_layernorm output (gain folded into the weights) · R1 → q_proj, k_proj, v_proj. */
    ATTN_IN(List.of("q_proj", "k_proj", "v_proj")),
    /** post_attention_layernorm output · R1 → gate_proj, up_proj. */
    MLP_IN(List.of("gate_proj", "up_proj")),
    /** attention output with the per-head Hadamard R2 → o_proj. */
    O_PROJ_IN(List.of("o_proj")),
    /** silu(gate) ⊙ up with the online Hadamard R4 → down_proj. */
    DOWN_PROJ_IN(List.of("down_proj"));

    private final List<String> linears;

    LinearInput(List<String> linears) {
        this.linears = linears;
    }

    /** The HF names of the linears that read this input ("q_proj", …). */
    public List<String> linears() {
        return linears;
    }

    /** The name in metrics.json and the layer files: attn_in, mlp_in, o_proj_in, down_proj_in. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the rotated input depends on R1 (the norm outputs) or not (R2 / R4 inputs). */
    public boolean rotatedByR1() {
        return this == ATTN_IN || this == MLP_IN;
    }

    /** The input that feeds linear {@code name} ("q_proj" → ATTN_IN). */
    public static LinearInput feeding(String linear) {
        for (LinearInput input : values()) {
            if (input.linears.contains(linear)) {
                return input;
            }
        }
        throw new IllegalArgumentException("Cannot find the input of linear " + linear
                + ": not one of q/k/v/o/gate/up/down_proj");
    }
}
