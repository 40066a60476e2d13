package dev.rotcal.jobs.capture;

/** Where a calibration row was captured: the output of a layer's input_layernorm or post_attention_layernorm. */
public enum RowSite {
    /** input_layernorm output without its gain: the input of q/k/v. */
    ATTENTION_INPUT("attn_in"),
    /** post_attention_layernorm output without its gain: the input of gate/up. */
    MLP_INPUT("mlp_in");

    private final String label;

    RowSite(String label) {
        this.label = label;
    }

    /** The short name used in reports and activation dumps ("attn_in", "mlp_in"). */
    public String label() {
        return label;
    }
}
