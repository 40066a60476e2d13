package dev.rotcal.scales;

import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerWeights;
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

    /** The group linear {@code linear} ("q_proj", …) belongs to. */
    public static LinearGroup of(String linear) {
        for (LinearGroup g : values()) {
            if (g.linears().contains(linear)) {
                return g;
            }
        }
        throw new IllegalArgumentException("[BUG] unknown linear " + linear);
    }

    /** The output width of linear {@code linear} ("q_proj", …) in a layer of this shape. */
    public static int outWidth(DecoderShape shape, String linear) {
        return switch (linear) {
            case "q_proj" -> shape.qWidth();
            case "k_proj", "v_proj" -> shape.kvWidth();
            case "o_proj", "down_proj" -> shape.hidden();
            case "gate_proj", "up_proj" -> shape.intermediate();
            default -> throw new IllegalArgumentException("[BUG] unknown linear " + linear);
        };
    }

    /** The input width of linear {@code linear}: its input's width. */
    public static int inWidth(DecoderShape shape, String linear) {
        return LayerStatistics.width(LinearInput.feeding(linear), shape);
    }

    /** The layer with its seven projections replaced by {@code linears} (name → (out, in); norms and biases kept). */
    public static LayerWeights withLinears(LayerWeights w, java.util.Map<String, float[]> linears) {
        return new LayerWeights(w.inputNorm(), linears.get("q_proj"), w.bq(), linears.get("k_proj"), w.bk(),
                linears.get("v_proj"), w.bv(), linears.get("o_proj"), w.postAttentionNorm(),
                linears.get("gate_proj"), linears.get("up_proj"), linears.get("down_proj"));
    }

    /** The (out, in) weight of linear {@code linear} of a layer. */
    public static float[] weight(LayerWeights w, String linear) {
        return switch (linear) {
            case "q_proj" -> w.wq();
            case "k_proj" -> w.wk();
            case "v_proj" -> w.wv();
            case "o_proj" -> w.wo();
            case "gate_proj" -> w.wGate();
            case "up_proj" -> w.wUp();
            case "down_proj" -> w.wDown();
            default -> throw new IllegalArgumentException("[BUG] unknown linear " + linear);
        };
    }

    /** HF prefix of linear {@code linear} of layer {@code layer}: "model.layers.3.self_attn.q_proj". */
    public String prefix(int layer, String linear) {
        return "model.layers." + layer + "." + module + "." + linear;
    }
}
