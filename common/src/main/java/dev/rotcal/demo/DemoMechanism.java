package dev.rotcal.demo;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;

/**
 * Where the demo model's mechanism lives for a spec: channels, neurons, the delimiter token, the planted layer.
 * Deterministic per spec ({@link #of}); {@link DemoModel#write} also saves it as rotcal_demo.json, so that
 * reports and notebooks can compare the massive-token set rotcal finds with the planted one.
 */
public record DemoMechanism(DemoModelSpec spec, DemoChannels channels, DemoNeurons neurons) {

    public static DemoMechanism of(DemoModelSpec spec) {
        return new DemoMechanism(spec, DemoChannels.draw(spec.hiddenSize(), spec.seed()),
                DemoNeurons.draw(spec.intermediateSize(), spec.seed()));
    }

    /** The layer whose MLP writes the massive activations. */
    public int plantedLayer() {
        return spec.plantedLayer();
    }

    /** The delimiter "\n": every occurrence gets the delimiter's massive values. */
    public int delimiterTokenId() {
        return DemoVocabulary.DELIMITER_ID;
    }

    /** The residual values the first-token neuron writes into the two massive channels. */
    public static double[] firstTokenValues() {
        return DemoMagnitudes.FIRST_TOKEN_VALUES.clone();
    }

    /** The residual values the delimiter neuron writes into the two massive channels. */
    public static double[] delimiterValues() {
        return DemoMagnitudes.DELIMITER_VALUES.clone();
    }

    ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("description", "rotcal demo model: planted massive-activation mechanism (see dev.rotcal.demo"
                + " package docs); massive tokens = position 0 of every sequence and every delimiter token");
        root.put("seed", spec.seed());
        root.put("planted_layer", spec.plantedLayer());
        root.put("delimiter_token", DemoVocabulary.DELIMITER);
        root.put("delimiter_token_id", delimiterTokenId());
        ints(root, "massive_channels", channels.massive());
        doubles(root, "first_token_values", DemoMagnitudes.FIRST_TOKEN_VALUES);
        doubles(root, "delimiter_values", DemoMagnitudes.DELIMITER_VALUES);
        ints(root, "outlier_channels", channels.outliers());
        root.put("constant_channel", channels.constant());
        ints(root, "code_channels", channels.code());
        root.put("delimiter_flag_channel", channels.flag());
        ints(root, "difference_channels", channels.difference());
        root.put("z_channel", channels.z());
        root.put("self_head", PositionZeroCircuit.SELF_HEAD);
        root.put("prefix_mean_head", PositionZeroCircuit.MEAN_HEAD);
        ints(root, "abs_neurons_layer0", concat(neurons.absPositive(), neurons.absNegative()));
        root.put("first_token_neuron", neurons.firstToken());
        root.put("delimiter_neuron", neurons.delimiter());
        return root;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static void ints(ObjectNode node, String key, int[] values) {
        Arrays.stream(values).forEach(node.putArray(key)::add);
    }

    private static void doubles(ObjectNode node, String key, double[] values) {
        Arrays.stream(values).forEach(node.putArray(key)::add);
    }
}
