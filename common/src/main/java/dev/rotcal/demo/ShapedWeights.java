package dev.rotcal.demo;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.model.LayerTensor;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.TensorLayout;
import dev.rotcal.model.forward.LayerWeights;
import dev.rotcal.model.safetensors.BFloat16;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Every weight of a real-shaped model as a {@link TensorSource}: made row by row when written, never held
 * whole. Each tensor has a seed from its name and each row a stream from that seed and its index
 * ({@link QuantileNormal#rowStream}), so any chunk of rows can be made alone, in any order, with the same bits.
 * <ul>
 *   <li>embed_tokens: {@link DemoEmbedding} rows (σ = 0.5, the 64-channel linear code, the delimiter flag);</li>
 *   <li>q/k/v/gate/up and lm_head: N(0, s²), s = 0.02·√(512/hidden); o_proj and down_proj, which write the
 *       residual stream, N(0, s²/(2L)) with L the real model's depth (GPT-2's scaled init); each layer's
 *       {@link LayerPlan} (clean channels; layer 0's position-zero circuit; the planted layer's massive neurons)
 *       applied per chunk;</li>
 *   <li>norm gains 1 + N(0, 0.02²) (reserved channels exactly 1); qwen2's q/k/v biases N(0, 0.1²), 0 on the
 *       rows the circuit writes.</li>
 * </ul>
 * The same sources give the in-memory layers the tests run ({@link #layerWeights}, {@link #embeddingRows}).
 */
final class ShapedWeights {
    private final ShapedMechanism mechanism;
    private final ModelConfig config;
    private final TensorLayout layout;
    private final long seed;
    private final short[] weightTable;   // (65536) BF16 N(0, s²)
    private final short[] residualTable; // (65536) BF16 N(0, s² / (2·L)): o_proj and down_proj
    private final short[] gainTable;   // (65536) BF16 1 + N(0, 0.02²)
    private final short[] biasTable;   // (65536) BF16 N(0, 0.1²)

    ShapedWeights(ShapedMechanism mechanism) {
        this.mechanism = mechanism;
        this.config = mechanism.config();
        this.layout = config.layout();
        this.seed = mechanism.spec().seed();
        this.weightTable = QuantileNormal.bf16Table(0, ShapedMagnitudes.weightStd(config.hiddenSize()));
        this.residualTable = QuantileNormal.bf16Table(0, ShapedMagnitudes.residualWeightStd(config.hiddenSize(),
                mechanism.spec().shape().realLayers()));
        this.gainTable = QuantileNormal.bf16Table(1, DemoMagnitudes.GAIN_NOISE);
        this.biasTable = QuantileNormal.bf16Table(0, ShapedMagnitudes.BIAS_STD);
    }

    ModelConfig config() {
        return config;
    }

    /** Every tensor in model order: embedding, layer 0 … N−1, final norm, lm_head (unless tied). */
    List<TensorSource> tensors() {
        List<TensorSource> all = new ArrayList<>();
        all.add(embedding());
        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
            all.addAll(layer(layer).values());
        }
        all.add(vector(layout.finalNorm(), LayerTensorShape.of(config.hiddenSize()), gainTable, new BitSet(), null));
        if (!config.tieWordEmbeddings()) {
            all.add(matrix(layout.lmHead(), LayerTensorShape.of(config.vocabSize(), config.hiddenSize()), weightTable,
                    null));
        }
        return all;
    }

    /** The edits of layer {@code layer}: clean channels, plus the circuits of layer 0 and the planted layer. */
    LayerPlan plan(int layer) {
        DemoChannels ch = mechanism.channels();
        LayerPlan plan = LayerPlan.background(config, ch);
        double rowRms = mechanism.embedding().rowRms();
        if (layer == 0) {
            PositionZeroCircuit.plant(plan, mechanism.circuit(), ch, mechanism.neurons(), rowRms);
        }
        if (layer == mechanism.plantedLayer()) {
            MassiveNeurons.plant(plan, mechanism.circuit(), ch, mechanism.neurons(), rowRms);
        }
        return plan;
    }

    /** Layer {@code layer}'s tensors by role, in {@link LayerTensor} order. */
    Map<LayerTensor, TensorSource> layer(int layer) {
        LayerPlan plan = plan(layer);
        Map<LayerTensor, TensorSource> tensors = new EnumMap<>(LayerTensor.class);
        for (LayerTensor t : LayerTensor.values()) {
            if (!layout.has(t)) {
                continue;
            }
            String name = layout.layerTensorName(layer, t);
            tensors.put(t, switch (t) {
                case INPUT_NORM, POST_ATTENTION_NORM -> vector(name, t.shape(config), gainTable, plan.unitGains(),
                        BFloat16.fromFloat(1f));
                case Q_BIAS, K_BIAS, V_BIAS -> vector(name, t.shape(config), biasTable, plan.zeroBiasRows(t),
                        (short) 0);
                case O_PROJ, DOWN_PROJ -> matrix(name, t.shape(config), residualTable, plan.edits(t));
                default -> matrix(name, t.shape(config), weightTable, plan.edits(t));
            });
        }
        return tensors;
    }

    /** embed_tokens: one {@link DemoEmbedding} row per token, each from its own stream. */
    TensorSource embedding() {
        String name = layout.embedTokens();
        long tensorSeed = tensorSeed(name);
        int d = config.hiddenSize();
        DemoChannels ch = mechanism.channels();
        DemoEmbedding embedding = mechanism.embedding();
        DemoEmbedding.RowMasks masks = embedding.masks(ch);
        LinearTokenCodes codes = mechanism.codes();
        int delimiter = mechanism.delimiterTokenId();
        return new TensorSource(name, LayerTensorShape.of(config.vocabSize(), d), (firstRow, count, out) -> {
            double[] row = new double[d];
            for (int i = 0; i < count; i++) {
                int token = Math.toIntExact(firstRow + i);
                SplittableRandom random = QuantileNormal.rowStream(tensorSeed, token);
                DoubleSupplier gaussian = QuantileNormal.supplier(random);
                embedding.row(ch, masks, codes.code(token), token == delimiter, gaussian, random::nextDouble, row);
                for (int c = 0; c < d; c++) {
                    out[i * d + c] = BFloat16.fromFloat((float) row[c]);
                }
            }
        });
    }

    /** (rows, cols) from {@code table}, then {@code edits} (null: none). */
    private TensorSource matrix(String name, List<Long> shape, short[] table, TensorEdits edits) {
        long tensorSeed = tensorSeed(name);
        int cols = Math.toIntExact(shape.get(1));
        return new TensorSource(name, shape, (firstRow, count, out) -> {
            for (int i = 0; i < count; i++) {
                QuantileNormal.fill(QuantileNormal.rowStream(tensorSeed, firstRow + i), table, out, i * cols, cols);
            }
            if (edits != null) {
                edits.apply(firstRow, count, out);
            }
        });
    }

    /** (n) from {@code table}, with {@code fixed} entries := {@code value}. */
    private TensorSource vector(String name, List<Long> shape, short[] table, BitSet fixed, Short value) {
        long tensorSeed = tensorSeed(name);
        int size = Math.toIntExact(shape.get(0));
        return new TensorSource(name, shape, (firstRow, count, out) -> {
            checkArgument(firstRow == 0 && count == 1, "[BUG] a vector is one row");
            QuantileNormal.fill(QuantileNormal.rowStream(tensorSeed, 0), table, out, 0, size);
            if (value != null) {
                fixed.stream().forEach(i -> out[i] = value);
            }
        });
    }

    private long tensorSeed(String name) {
        return SeededStreams.stream(seed, name).nextLong();
    }

    /** All of {@code source} as floats (BF16 widened): for tests and in-memory layers. */
    static float[] floats(TensorSource source) {
        float[] values = new float[Math.toIntExact(source.numel())];
        int cols = source.cols();
        int rowsPerChunk = Math.max(1, (1 << 20) / cols);
        short[] chunk = new short[rowsPerChunk * cols];
        for (long r = 0; r < source.rows(); r += rowsPerChunk) {
            int count = (int) Math.min(rowsPerChunk, source.rows() - r);
            source.filler().fill(r, count, chunk);
            int at = Math.toIntExact(r * cols);
            for (int i = 0; i < count * cols; i++) {
                values[at + i] = BFloat16.toFloat(chunk[i]);
            }
        }
        return values;
    }

    /** Layer {@code layer} in memory, exactly as written (BF16 values), for the forward. */
    LayerWeights layerWeights(int layer) {
        Map<String, float[]> tensors = new HashMap<>();
        layer(layer).values().forEach(t -> tensors.put(t.name(), floats(t)));
        return LayerWeights.fromTensors(tensors, config, layer);
    }

    /** (tokens.length, hidden) embedding rows, as written. */
    float[] embeddingRows(int[] tokens) {
        TensorSource embed = embedding();
        int d = config.hiddenSize();
        float[] out = new float[Math.multiplyExact(tokens.length, d)];
        short[] row = new short[d];
        for (int i = 0; i < tokens.length; i++) {
            embed.filler().fill(tokens[i], 1, row);
            for (int c = 0; c < d; c++) {
                out[i * d + c] = BFloat16.toFloat(row[c]);
            }
        }
        return out;
    }

    /** Shapes as safetensors lists. */
    static final class LayerTensorShape {
        private LayerTensorShape() {
        }

        static List<Long> of(int... dims) {
            List<Long> shape = new ArrayList<>(dims.length);
            for (int d : dims) {
                shape.add((long) d);
            }
            return shape;
        }
    }
}
