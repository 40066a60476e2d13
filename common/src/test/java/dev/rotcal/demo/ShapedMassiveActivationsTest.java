package dev.rotcal.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.CaptureSwitches;
import dev.rotcal.model.forward.DecoderLayer;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerWeights;
import dev.rotcal.model.forward.ModelForward;
import dev.rotcal.model.forward.RotaryEmbedding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The planted mechanism of the real-shaped models, through rotcal's own forward (DecoderLayer, layer by layer,
 * on exactly the weights the writer writes, made in memory by the same {@link ShapedWeights}): from the planted
 * layer on, position 0 and every delimiter hold LLaMA2-7B's values in channels 2533 and 1415, ≥ 100 and
 * ≥ 1000× the layer's median |h|; no other token, and nothing before the planted layer, comes near. At the real
 * width for LLaMA-2-7B (4096 wide, MHA: the self and prefix-mean heads on two KV heads), at narrow widths for
 * every family (GQA, llama3 rope scaling, qwen2 biases, a one-layer model).
 */
class ShapedMassiveActivationsTest {
    private static final Logger LOG = LoggerFactory.getLogger(ShapedMassiveActivationsTest.class);
    private static final int SEQ_LEN = 256;

    /** Per layer: median |h|, the planted rows' two channels, the largest |h| of any other row. */
    private record LayerStats(double median, List<double[]> planted, double othersMax) {
    }

    @Test
    void llama2At4096WideHoldsLlama2sMassiveValues() {
        ShapedModelSpec spec = ShapedModelSpec.of(ModelShape.LLAMA2_7B, 2);
        check(spec, tokens(spec), true);
    }

    @ParameterizedTest
    @EnumSource(ModelShape.class)
    void everyFamilyAtNarrowWidths(ModelShape shape) {
        ShapedModelSpec spec = ShapedModelSpec.of(shape, 3).withWidths(narrow(shape));
        check(spec, tokens(spec), false);
    }

    @Test
    void oneLayerModelHasMassiveDelimitersOnly() {
        ShapedModelSpec spec = ShapedModelSpec.of(ModelShape.LLAMA3_8B, 1).withWidths(narrow(ModelShape.LLAMA3_8B));
        int[] tokens = tokens(spec);
        int delimiter = spec.shape().newlineTokenId();
        List<LayerStats> layers = run(spec, tokens);
        LayerStats s = layers.get(0);
        int[] ch = ShapedMechanism.of(spec).channels().massive();
        assertThat(Arrays.stream(s.planted().get(0)).map(Math::abs).max().orElseThrow())
                .as("position 0 is not massive with one layer").isLessThan(100);
        for (int i = 1; i < s.planted().size(); i++) {
            assertThat(s.planted().get(i)[0]).as("delimiter %d, channel %d", i, ch[0])
                    .isCloseTo(DemoMagnitudes.DELIMITER_VALUES[0], Percentage.withPercentage(15));
        }
        assertThat(Arrays.stream(tokens).filter(t -> t == delimiter).count()).as("delimiters in the window")
                .isEqualTo(s.planted().size() - 1);
    }

    /**
     * Narrow widths of the same family and config keys, for quick forwards. Not narrower than 1024: the
     * mechanism's 128 code and difference channels hold |h| ≈ σ, and at 512 wide they would lift the median.
     */
    static ShapeWidths narrow(ModelShape shape) {
        return switch (shape) {
            case LLAMA2_7B -> new ShapeWidths(1024, 2752, 16, 16, 64, 1024);
            case QWEN2_7B -> new ShapeWidths(896, 2368, 14, 2, 64, 1024);
            case LLAMA3_70B -> new ShapeWidths(1024, 3584, 16, 2, 64, 2048);
            default -> new ShapeWidths(1024, 3584, 16, 4, 64, 2048);
        };
    }

    /** One window of the model's own token recipe, plus a second delimiter so that two positions are tested. */
    private static int[] tokens(ShapedModelSpec spec) {
        int delimiter = spec.shape().newlineTokenId();
        int[] tokens = ShapedTokens.generate(1, SEQ_LEN, spec.widths().vocab(), delimiter,
                SeededStreams.stream(spec.seed(), "test.tokens"));
        int placed = (int) Arrays.stream(tokens).filter(t -> t == delimiter).count();
        assertThat(placed).as("one delimiter per 256-token window").isEqualTo(1);
        tokens[tokens[200] == delimiter ? 201 : 200] = delimiter;
        return tokens;
    }

    private static void check(ShapedModelSpec spec, int[] tokens, boolean realWidth) {
        ShapedMechanism mechanism = ShapedMechanism.of(spec);
        List<LayerStats> layers = run(spec, tokens);
        int planted = mechanism.plantedLayer();
        for (int layer = 0; layer < layers.size(); layer++) {
            LayerStats s = layers.get(layer);
            double plantedMin = s.planted().stream().flatMapToDouble(Arrays::stream).map(Math::abs).min().orElseThrow();
            LOG.info("{}{} layer {}: median |h| {}; position 0 ({}, {}); delimiters ({}, {}) and ({}, {});"
                            + " planted min {}× median; other tokens max |h| {} = {}× median", spec.shape().cliName(),
                    realWidth ? " (real width)" : " (narrow)", layer, f(s.median(), 4), f(s.planted().get(0)[0], 1),
                    f(s.planted().get(0)[1], 1), f(s.planted().get(1)[0], 1), f(s.planted().get(1)[1], 1),
                    f(s.planted().get(2)[0], 1), f(s.planted().get(2)[1], 1), f(plantedMin / s.median(), 0),
                    f(s.othersMax(), 2), f(s.othersMax() / s.median(), 1));
            assertThat(s.othersMax()).as("layer %d: no other token holds a massive value", layer).isLessThan(100);
            assertThat(s.othersMax() / s.median()).as("layer %d: other tokens stay below 100× the median", layer)
                    .isLessThan(100);
            if (layer < planted) {
                assertThat(plantedMin).as("layer %d: nothing massive before the planted layer", layer).isLessThan(100);
                continue;
            }
            assertThat(plantedMin).as("layer %d: position 0 and the delimiters hold ≥ 100 in both channels", layer)
                    .isGreaterThanOrEqualTo(100);
            assertThat(plantedMin / s.median()).as("layer %d: … and ≥ 1000× the layer's median |h|", layer)
                    .isGreaterThanOrEqualTo(1000);
            for (int i = 0; i < s.planted().size(); i++) {
                double[] expected = i == 0 ? DemoMagnitudes.FIRST_TOKEN_VALUES : DemoMagnitudes.DELIMITER_VALUES;
                for (int c = 0; c < 2; c++) {
                    assertThat(s.planted().get(i)[c]).as("layer %d planted row %d channel %d ≈ LLaMA2-7B's %s", layer,
                            i, c, expected[c]).isCloseTo(expected[c], Percentage.withPercentage(realWidth ? 5 : 10));
                }
            }
        }
    }

    /** Runs the model layer by layer on one sequence; planted rows are position 0, then the delimiters in order. */
    private static List<LayerStats> run(ShapedModelSpec spec, int[] tokens) {
        ShapedMechanism mechanism = ShapedMechanism.of(spec);
        ShapedWeights weights = new ShapedWeights(mechanism);
        ModelConfig config = mechanism.config();
        int d = config.hiddenSize();
        int[] ch = mechanism.channels().massive();
        boolean[] massive = new boolean[tokens.length];
        for (int r = 0; r < tokens.length; r++) {
            massive[r] = r == 0 || tokens[r] == mechanism.delimiterTokenId();
        }
        float[] h = weights.embeddingRows(tokens);
        int[] positions = ModelForward.positions(tokens.length, tokens.length);
        DecoderLayer layer = new DecoderLayer(DecoderShape.of(config), RotaryEmbedding.of(config));
        List<LayerStats> stats = new ArrayList<>();
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            long start = System.nanoTime();
            LayerWeights w = weights.layerWeights(l);
            long made = System.nanoTime();
            layer.forward(h, positions, tokens.length, w, CaptureSwitches.NONE);
            LOG.info("layer {}: made in {} ms, run in {} ms", l, (made - start) / 1_000_000,
                    (System.nanoTime() - made) / 1_000_000);
            List<double[]> planted = new ArrayList<>();
            double othersMax = 0;
            for (int r = 0; r < tokens.length; r++) {
                if (massive[r]) {
                    planted.add(new double[] {h[r * d + ch[0]], h[r * d + ch[1]]});
                } else {
                    for (int c = r * d; c < (r + 1) * d; c++) {
                        othersMax = Math.max(othersMax, Math.abs(h[c]));
                    }
                }
            }
            stats.add(new LayerStats(medianAbs(h), planted, othersMax));
        }
        return stats;
    }

    private static double medianAbs(float[] h) {
        float[] abs = new float[h.length];
        for (int i = 0; i < h.length; i++) {
            abs[i] = Math.abs(h[i]);
        }
        Arrays.sort(abs);
        return abs[abs.length / 2];
    }

    private static String f(double x, int digits) {
        return String.format("%." + digits + "f", x);
    }
}
