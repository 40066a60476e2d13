package dev.rotcal.demo;

import dev.rotcal.model.LayerTensor;
import dev.rotcal.model.ModelConfig;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.Map;

/**
 * One real-width decoder layer as a recipe rather than arrays: the background is drawn when each chunk is
 * written, and this holds what is done to it. {@link #background} records the demo's clean-channel rules
 * (reserved channels: gains exactly 1, no o_proj/down_proj row writes them; massive channels: no q/k/v/gate/up
 * column reads them); the circuits then record theirs through {@link LayerEdits}. Biases (qwen2) follow the
 * q/k/v rows: a zeroed row has bias 0.
 */
final class LayerPlan implements LayerEdits {
    private final Map<LayerTensor, TensorEdits> matrices = new EnumMap<>(LayerTensor.class);
    private final Map<LayerTensor, BitSet> zeroBias = new EnumMap<>(LayerTensor.class); // Q/K/V_PROJ → rows
    private final BitSet unitGains = new BitSet(); // channels whose norm gains are exactly 1

    private LayerPlan(ModelConfig config) {
        for (LayerTensor t : new LayerTensor[] {LayerTensor.Q_PROJ, LayerTensor.K_PROJ, LayerTensor.V_PROJ,
                LayerTensor.O_PROJ, LayerTensor.GATE_PROJ, LayerTensor.UP_PROJ, LayerTensor.DOWN_PROJ}) {
            matrices.put(t, new TensorEdits(t.shape(config).get(0), Math.toIntExact(t.shape(config).get(1))));
        }
        for (LayerTensor t : new LayerTensor[] {LayerTensor.Q_PROJ, LayerTensor.K_PROJ, LayerTensor.V_PROJ}) {
            zeroBias.put(t, new BitSet());
        }
    }

    /** The clean-channel rules of every layer (as {@link DemoLayerWeights#background}). */
    static LayerPlan background(ModelConfig config, DemoChannels ch) {
        LayerPlan plan = new LayerPlan(config);
        for (int c : ch.reserved()) {
            plan.unitGains.set(c);
            plan.zeroRow(LayerTensor.O_PROJ, c);
            plan.zeroRow(LayerTensor.DOWN_PROJ, c);
        }
        for (int c : ch.massive()) {
            for (LayerTensor reader : new LayerTensor[] {LayerTensor.Q_PROJ, LayerTensor.K_PROJ, LayerTensor.V_PROJ,
                    LayerTensor.GATE_PROJ, LayerTensor.UP_PROJ}) {
                plan.zeroColumn(reader, c);
            }
        }
        return plan;
    }

    @Override
    public void zeroRow(LayerTensor matrix, int row) {
        edits(matrix).zeroRow(row);
        BitSet bias = zeroBias.get(matrix);
        if (bias != null) {
            bias.set(row);
        }
    }

    @Override
    public void zeroColumn(LayerTensor matrix, int column) {
        edits(matrix).zeroColumn(column);
    }

    @Override
    public void set(LayerTensor matrix, int row, int column, float value) {
        edits(matrix).set(row, column, value);
    }

    /** The edits of a matrix (Q_PROJ … DOWN_PROJ). */
    TensorEdits edits(LayerTensor matrix) {
        TensorEdits edits = matrices.get(matrix);
        if (edits == null) {
            throw new IllegalArgumentException("[BUG] " + matrix + " is not a matrix");
        }
        return edits;
    }

    /** Rows of q/k/v ({@code bias} Q_BIAS/K_BIAS/V_BIAS) whose bias is 0. */
    BitSet zeroBiasRows(LayerTensor bias) {
        return switch (bias) {
            case Q_BIAS -> zeroBias.get(LayerTensor.Q_PROJ);
            case K_BIAS -> zeroBias.get(LayerTensor.K_PROJ);
            case V_BIAS -> zeroBias.get(LayerTensor.V_PROJ);
            default -> throw new IllegalArgumentException("[BUG] " + bias + " is not a bias");
        };
    }

    /** Channels whose input_layernorm and post_attention_layernorm gains are exactly 1. */
    BitSet unitGains() {
        return unitGains;
    }
}
