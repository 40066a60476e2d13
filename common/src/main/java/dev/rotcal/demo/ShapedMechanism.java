package dev.rotcal.demo;

import static dev.rotcal.Checks.checkArgument;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotcal.model.Llama3RopeScaling;
import dev.rotcal.model.ModelConfig;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where a real-shaped model's planted mechanism is, deterministic per spec: the default demo's mechanism
 * ({@code package-info.java}) at the real width, with LLaMA2-7B's massive channels 2533 and 1415, a 64-channel
 * linear token code, 12 rotary pairs for the self head and σ = 0.5 ({@link ShapedMagnitudes}). The delimiter is
 * the real tokenizer's "\n" id. {@link ShapedModel#write} saves it as rotcal_demo.json.
 */
public final class ShapedMechanism {
    private final ShapedModelSpec spec;
    private final ModelConfig config;
    private final CircuitShape circuit;
    private final DemoChannels channels;
    private final DemoNeurons neurons;
    private final LinearTokenCodes codes;
    private final DemoEmbedding embedding;

    private ShapedMechanism(ShapedModelSpec spec, ModelConfig config, CircuitShape circuit, DemoChannels channels,
                            DemoNeurons neurons, LinearTokenCodes codes, DemoEmbedding embedding) {
        this.spec = spec;
        this.config = config;
        this.circuit = circuit;
        this.channels = channels;
        this.neurons = neurons;
        this.codes = codes;
        this.embedding = embedding;
    }

    public static ShapedMechanism of(ShapedModelSpec spec) {
        ModelConfig config = ModelConfig.parse(spec.shape().cliName() + " config.json",
                spec.config().toString().getBytes(StandardCharsets.UTF_8));
        int hd = config.headDim();
        int codeWidth = Math.min(ShapedMagnitudes.CODE_WIDTH, hd);
        int pairs = ShapedMagnitudes.POSITION_PAIRS;
        config.ropeScaling().ifPresent(s -> checkPairsUnscaled(s, hd, config.ropeTheta(), pairs));
        checkArgument(spec.shape().newlineTokenId() < config.vocabSize(), "Cannot write %s with vocab %d: the"
                + " delimiter is token %d", spec.shape().cliName(), config.vocabSize(), spec.shape().newlineTokenId());
        CircuitShape circuit = new CircuitShape(config.hiddenSize(), config.intermediateSize(),
                config.numAttentionHeads(), config.numKeyValueHeads(), hd, config.ropeTheta(),
                config.maxPositionEmbeddings(), spec.plantedLayer(), codeWidth, DemoMagnitudes.MIN_CODE_DISTANCE,
                pairs, ShapedMagnitudes.SIGMA, ShapedMagnitudes.FIRST_TOKEN_RMS_GROWTH,
                ShapedMagnitudes.DELIMITER_RMS_GROWTH);
        DemoChannels channels = DemoChannels.draw(config.hiddenSize(), spec.seed(), codeWidth,
                ShapedMagnitudes.massiveChannels(config.hiddenSize()));
        DemoNeurons neurons = DemoNeurons.draw(config.intermediateSize(), spec.seed(), codeWidth);
        LinearTokenCodes codes = LinearTokenCodes.draw(config.vocabSize(), codeWidth, DemoMagnitudes.MIN_CODE_DISTANCE,
                spec.seed());
        DemoEmbedding embedding = DemoEmbedding.of(config.hiddenSize(), spec.seed(), ShapedMagnitudes.SIGMA,
                codeWidth);
        return new ShapedMechanism(spec, config, circuit, channels, neurons, codes, embedding);
    }

    /** The self head's rotary pairs must be ones the llama3 rope_scaling keeps (wavelength below original/high). */
    private static void checkPairsUnscaled(Llama3RopeScaling s, int headDim, double theta, int pairs) {
        double slowest = 2 * Math.PI / StrictMath.pow(theta, -2.0 * (pairs - 1) / headDim);
        checkArgument(slowest < s.originalMaxPositionEmbeddings() / s.highFreqFactor(), "Cannot plant the self head:"
                + " its rotary pair %d (wavelength %.0f) is rescaled by the llama3 rope_scaling", pairs - 1, slowest);
    }

    public ShapedModelSpec spec() {
        return spec;
    }

    /** config.json as rotcal parses it. */
    public ModelConfig config() {
        return config;
    }

    /** The layer whose MLP writes the massive values. */
    public int plantedLayer() {
        return circuit.plantedLayer();
    }

    /** False for a one-layer model: position 0 needs Z from layer 0's MLP, so only delimiters are massive. */
    public boolean firstTokenMassive() {
        return circuit.hasFirstTokenNeuron();
    }

    /** The delimiter: every occurrence gets the delimiter's massive values. */
    public int delimiterTokenId() {
        return spec.shape().newlineTokenId();
    }

    public DemoChannels channels() {
        return channels;
    }

    public DemoNeurons neurons() {
        return neurons;
    }

    CircuitShape circuit() {
        return circuit;
    }

    LinearTokenCodes codes() {
        return codes;
    }

    DemoEmbedding embedding() {
        return embedding;
    }

    ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("description", "rotcal real-shaped test model: " + spec.shape().hubId() + "'s config.json with "
                + spec.layers() + " layers, random BF16 weights and the demo's planted massive-activation mechanism"
                + " at the real width (see dev.rotcal.demo package docs); massive tokens = "
                + (firstTokenMassive() ? "position 0 of every window and " : "") + "every delimiter token");
        root.put("shape", spec.shape().cliName());
        root.put("config_of", spec.shape().hubId());
        root.put("layers", spec.layers());
        root.put("seed", spec.seed());
        root.put("planted_layer", plantedLayer());
        root.put("first_token_massive", firstTokenMassive());
        root.put("delimiter_token", "\n");
        root.put("delimiter_token_id", delimiterTokenId());
        ints(root, "massive_channels", channels.massive());
        doubles(root, "first_token_values", DemoMagnitudes.FIRST_TOKEN_VALUES);
        doubles(root, "delimiter_values", DemoMagnitudes.DELIMITER_VALUES);
        ints(root, "outlier_channels", channels.outliers());
        root.put("constant_channel", channels.constant());
        ints(root, "code_channels", channels.code());
        root.put("code_min_distance", codes.minDistance());
        root.put("delimiter_flag_channel", channels.flag());
        ints(root, "difference_channels", channels.difference());
        root.put("z_channel", channels.z());
        root.put("self_head", PositionZeroCircuit.SELF_HEAD);
        root.put("prefix_mean_head", PositionZeroCircuit.MEAN_HEAD);
        root.put("self_head_rotary_pairs", circuit.positionPairs());
        root.put("self_head_exact_positions", circuit.positions());
        ints(root, "abs_neurons_layer0", concat(neurons.absPositive(), neurons.absNegative()));
        if (firstTokenMassive()) {
            root.put("first_token_neuron", neurons.firstToken());
        }
        root.put("delimiter_neuron", neurons.delimiter());
        ObjectNode background = root.putObject("background");
        background.put("embedding_std", circuit.sigma());
        background.put("linear_weight_std", ShapedMagnitudes.weightStd(config.hiddenSize()));
        background.put("norm_gain_noise_std", DemoMagnitudes.GAIN_NOISE);
        if (config.family().hasQkvBias()) {
            background.put("qkv_bias_std", ShapedMagnitudes.BIAS_STD);
        }
        background.put("gaussian", "16-bit quantile table (tails at ±4.3σ)");
        ObjectNode tokens = root.putObject("tokens");
        tokens.put("window_tokens", spec.windowTokens());
        tokens.put("calibration_windows", spec.calibrationWindows());
        tokens.put("evaluation_windows", spec.evaluationWindows());
        tokens.put("delimiters_per_window", ShapedTokens.delimitersPerWindow(spec.windowTokens()));
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
