package dev.rotcal.scales;

import java.util.List;

/**
 * The linears of a decoder layer grouped as serving stacks fuse them: q/k/v and gate/up share their input (and
 * NVFP4's global scale), o_proj and down_proj stand alone. One group is one solve task of the scales stage.
 */
public enum LinearGroup {
    QKV(LinearInput.ATTN_IN, "self_attn"),
    O(LinearInput.O_PROJ_IN, "self_attn"),
    GATE_UP(LinearInput.MLP_IN, "mlp"),
    DOWN(LinearInput.DOWN_PROJ_IN, "mlp");

    private final LinearInput input;
    private final String module;

    LinearGroup(LinearInput input, String module) {
        this.input = input;
        this.module = module;
    }

    /** The input all linears of the group read. */
    public LinearInput input() {
        return input;
    }

    /** The linears' HF names ("q_proj", …). */
    public List<String> linears() {
        return input.linears();
    }

    /** HF prefix of linear {@code linear} of layer {@code layer}: "model.layers.3.self_attn.q_proj". */
    public String prefix(int layer, String linear) {
        return "model.layers." + layer + "." + module + "." + linear;
    }
}
