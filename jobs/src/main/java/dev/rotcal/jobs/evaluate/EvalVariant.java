package dev.rotcal.jobs.evaluate;

import java.io.Serializable;
import java.util.Map;

/**
 * One model the evaluation runs over the held-out tokens: the float model, or the rotated model (R1 = a random
 * Hadamard or DFRot's, with R2 and R4 folded and R3 / R4 online) with W4A4KV4 fake quantization: weights by RTN or
 * GPTQ, activations per token asymmetric with the chosen clip ratios, K and V per head asymmetric.
 *
 * @param name      the name in metrics.json ("float", "rh_rtn", "dfrot_rtn", "dfrot_gptq")
 * @param rotation  "none", "random_hadamard" or "dfrot"
 * @param weights   "float", "rtn" or "gptq"
 * @param quantized whether activations and KV are fake-quantized
 */
public record EvalVariant(String name, String rotation, String weights, boolean quantized) implements Serializable {
    public static final String NONE = "none";
    public static final EvalVariant FLOAT = new EvalVariant("float", NONE, "float", false);
    /** The rotated float model (online R3 / R4, no quantization): must equal the float model, checked every run. */
    public static final EvalVariant DFROT_FLOAT = new EvalVariant("dfrot_float", "dfrot", "float", false);
    /** A4KV4 with float weights: the activation part of the damage alone. */
    public static final EvalVariant RH_A4KV4 = new EvalVariant("rh_a4kv4", "random_hadamard", "float", true);
    public static final EvalVariant DFROT_A4KV4 = new EvalVariant("dfrot_a4kv4", "dfrot", "float", true);
    public static final EvalVariant RH_RTN = new EvalVariant("rh_rtn", "random_hadamard", "rtn", true);
    public static final EvalVariant DFROT_RTN = new EvalVariant("dfrot_rtn", "dfrot", "rtn", true);
    public static final EvalVariant DFROT_GPTQ = new EvalVariant("dfrot_gptq", "dfrot", "gptq", true);

    public boolean rotated() {
        return !NONE.equals(rotation);
    }

    /** The row of metrics.json's perplexity table (without the numbers). */
    public Map<String, Object> describe(int activationBits, int kvBits, int weightBits) {
        Map<String, Object> row = new java.util.LinkedHashMap<>(); // a fixed key order in metrics.json
        row.put("name", name);
        row.put("rotation", rotation);
        row.put("weights", "float".equals(weights) ? "float" : weights + "-int" + weightBits);
        row.put("activations", quantized ? "int" + activationBits : "float");
        row.put("kv", quantized ? "int" + kvBits : "float");
        return row;
    }
}
