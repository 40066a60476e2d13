package dev.rotcal.demo;

import static dev.rotcal.demo.DemoMagnitudes.GAIN_NOISE;
import static dev.rotcal.demo.DemoMagnitudes.WEIGHT_STD;

import dev.rotcal.model.LayerTensor;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One decoder layer's weights while the demo model is built, HF [out, in] row-major. {@link #background}
 * draws the "trained-ish" init and keeps the mechanism's channels clean; the circuits then overwrite a
 * few rows and columns.
 *
 * @param inputNorm  (hidden) input_layernorm gain
 * @param q          (heads·headDim, hidden)
 * @param k          (kvHeads·headDim, hidden)
 * @param v          (kvHeads·headDim, hidden)
 * @param o          (hidden, heads·headDim)
 * @param postNorm   (hidden) post_attention_layernorm gain
 * @param gate       (intermediate, hidden)
 * @param up         (intermediate, hidden)
 * @param down       (hidden, intermediate)
 */
record DemoLayerWeights(float[] inputNorm, float[] q, float[] k, float[] v, float[] o, float[] postNorm,
                        float[] gate, float[] up, float[] down) implements LayerEdits {

    /**
     * Gaussian weights (std 0.02) and gains 1 + N(0, 0.02²), then: gains of reserved channels exactly 1; no
     * o_proj or down_proj row writes a reserved channel (c0, code, flag, D, Z stay mechanism-only); no
     * q/k/v/gate/up column reads a massive channel (massive tokens get small updates, so their values
     * persist through the later layers).
     */
    static DemoLayerWeights background(DemoModelSpec spec, DemoChannels ch, int layer) {
        int d = spec.hiddenSize();
        int qDim = spec.numHeads() * spec.headDim();
        int kvDim = spec.numKvHeads() * spec.headDim();
        int inter = spec.intermediateSize();
        String name = "layer" + layer + ".";
        long seed = spec.seed();
        DemoLayerWeights w = new DemoLayerWeights(gains(seed, name + "input_norm", d),
                weights(seed, name + "q", qDim, d), weights(seed, name + "k", kvDim, d),
                weights(seed, name + "v", kvDim, d), weights(seed, name + "o", d, qDim),
                gains(seed, name + "post_norm", d), weights(seed, name + "gate", inter, d),
                weights(seed, name + "up", inter, d), weights(seed, name + "down", d, inter));
        for (int c : ch.reserved()) {
            w.inputNorm[c] = 1f;
            w.postNorm[c] = 1f;
            zeroRow(w.o, c, qDim);
            zeroRow(w.down, c, inter);
        }
        for (int c : ch.massive()) {
            for (float[] reader : new float[][] {w.q, w.k, w.v, w.gate, w.up}) {
                zeroColumn(reader, c, d);
            }
        }
        return w;
    }

    /** The tensors by role, for naming through the family's TensorLayout. */
    Map<LayerTensor, float[]> byRole() {
        Map<LayerTensor, float[]> m = new EnumMap<>(LayerTensor.class);
        m.put(LayerTensor.INPUT_NORM, inputNorm);
        m.put(LayerTensor.Q_PROJ, q);
        m.put(LayerTensor.K_PROJ, k);
        m.put(LayerTensor.V_PROJ, v);
        m.put(LayerTensor.O_PROJ, o);
        m.put(LayerTensor.POST_ATTENTION_NORM, postNorm);
        m.put(LayerTensor.GATE_PROJ, gate);
        m.put(LayerTensor.UP_PROJ, up);
        m.put(LayerTensor.DOWN_PROJ, down);
        return m;
    }

    @Override
    public void zeroRow(LayerTensor matrix, int row) {
        zeroRow(matrix(matrix), row, columns(matrix));
    }

    @Override
    public void zeroColumn(LayerTensor matrix, int column) {
        zeroColumn(matrix(matrix), column, columns(matrix));
    }

    @Override
    public void set(LayerTensor matrix, int row, int column, float value) {
        matrix(matrix)[row * columns(matrix) + column] = value;
    }

    private float[] matrix(LayerTensor t) {
        return switch (t) {
            case Q_PROJ -> q;
            case K_PROJ -> k;
            case V_PROJ -> v;
            case O_PROJ -> o;
            case GATE_PROJ -> gate;
            case UP_PROJ -> up;
            case DOWN_PROJ -> down;
            default -> throw new IllegalArgumentException("[BUG] " + t + " is not a matrix of the demo's layers");
        };
    }

    /** Columns of a matrix: hidden for q/k/v/gate/up, heads·head_dim for o_proj, intermediate for down_proj. */
    private int columns(LayerTensor t) {
        int hidden = inputNorm.length;
        return switch (t) {
            case O_PROJ -> o.length / hidden;
            case DOWN_PROJ -> down.length / hidden;
            default -> hidden;
        };
    }

    /** (rows, cols) N(0, 0.02²) from the stream named {@code name}. */
    static float[] weights(long seed, String name, int rows, int cols) {
        return SeededStreams.gaussian(SeededStreams.stream(seed, name), Math.multiplyExact(rows, cols), WEIGHT_STD);
    }

    /** (n) 1 + N(0, 0.02²). */
    static float[] gains(long seed, String name, int n) {
        SplittableRandom random = SeededStreams.stream(seed, name);
        float[] g = SeededStreams.gaussian(random, n, GAIN_NOISE);
        for (int i = 0; i < n; i++) {
            g[i] += 1f;
        }
        return g;
    }

    /** Row {@code row} of a (·, cols) matrix := 0. */
    static void zeroRow(float[] m, int row, int cols) {
        Arrays.fill(m, row * cols, (row + 1) * cols, 0f);
    }

    /** Column {@code col} of a (·, cols) matrix := 0. */
    static void zeroColumn(float[] m, int col, int cols) {
        for (int i = col; i < m.length; i += cols) {
            m[i] = 0f;
        }
    }
}
