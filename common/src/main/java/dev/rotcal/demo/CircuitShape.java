package dev.rotcal.demo;

import static dev.rotcal.Checks.checkArgument;

/**
 * What the planted mechanism is built for: the decoder's widths and RoPE, how far apart two positions may be
 * for the self head still to single out Δ = 0, the planted layer, the token code and the magnitudes. The
 * default demo's ({@link #of(DemoModelSpec)}) takes {@link DemoMagnitudes}' constants, so its weights do not
 * change; a real-shaped model ({@link ShapedModel}) uses a 64-channel linear code, 12 rotary pairs and a
 * smaller σ (see {@link ShapedMagnitudes}).
 *
 * @param positions            the self head must beat every Δ in 1..positions−1 (max_position_embeddings)
 * @param plantedLayer         the layer whose MLP writes the massive values; 0 only for a one-layer model,
 *                             which then has the delimiter neuron alone (the first-token neuron reads Z, which
 *                             layer 0's MLP writes)
 * @param codeWidth            m: code channels per token (and difference channels, and |·| neuron pairs)
 * @param minCodeDistance      two different tokens' codes differ in at least this many channels
 * @param positionPairs        the fastest rotary pairs that carry the self head's position signal
 * @param sigma                σ: std of a background embedding channel; c0 = 3σ, code ±σ, flag 4σ, a_v = σ
 * @param firstTokenRmsGrowth  nominal rms(h) at the planted MLP's input at position 0, over the embedding rms
 * @param delimiterRmsGrowth   the same at a delimiter (later positions, where attention averages)
 */
record CircuitShape(int hidden, int intermediate, int numHeads, int numKvHeads, int headDim, double ropeTheta,
                    int positions, int plantedLayer, int codeWidth, int minCodeDistance, int positionPairs,
                    double sigma, double firstTokenRmsGrowth, double delimiterRmsGrowth) {

    CircuitShape {
        checkArgument(numKvHeads >= 1 && numHeads % numKvHeads == 0 && numHeads >= 2, "Cannot plant the demo"
                + " mechanism with %d heads on %d KV heads: need ≥ 2 heads and whole GQA groups", numHeads,
                numKvHeads);
        checkArgument(headDim % 2 == 0 && codeWidth <= headDim && positionPairs < headDim / 2, "Cannot plant the"
                + " demo mechanism with head_dim %d: the code (%d channels) must fit one head and the %d position"
                + " pairs half of it", headDim, codeWidth, positionPairs);
        checkArgument(codeWidth >= 1 && codeWidth <= 64 && minCodeDistance >= 1 && minCodeDistance <= codeWidth,
                "Cannot plant the demo mechanism with a %d-channel code of distance %d", codeWidth, minCodeDistance);
        checkArgument(hidden >= DemoChannels.mechanismChannels(codeWidth) + 16, "Cannot plant the demo mechanism"
                + " at hidden size %d: %d channels carry it", hidden, DemoChannels.mechanismChannels(codeWidth));
        checkArgument(intermediate >= 2 * codeWidth + 2, "Cannot plant the demo mechanism with intermediate size"
                + " %d: it uses %d neurons", intermediate, 2 * codeWidth + 2);
        checkArgument(plantedLayer >= 0 && positions >= 2 && sigma > 0, "Cannot plant the demo mechanism at layer"
                + " %d over %d positions with σ %s", plantedLayer, positions, sigma);
    }

    /** The default demo's shape: every number from {@link DemoMagnitudes}, so its weights stay the same. */
    static CircuitShape of(DemoModelSpec s) {
        return new CircuitShape(s.hiddenSize(), s.intermediateSize(), s.numHeads(), s.numKvHeads(), s.headDim(),
                s.ropeTheta(), s.maxPositionEmbeddings(), s.plantedLayer(), DemoMagnitudes.CODE_WIDTH,
                DemoMagnitudes.MIN_CODE_DISTANCE, DemoMagnitudes.POSITION_PAIRS, DemoMagnitudes.BACKGROUND_STD,
                DemoMagnitudes.PLANTED_RMS_GROWTH, DemoMagnitudes.PLANTED_RMS_GROWTH);
    }

    /** Query heads per KV head. */
    int queriesPerKvHead() {
        return numHeads / numKvHeads;
    }

    /** True when the planted layer can also hold the first-token neuron (it reads Z from layer 0's MLP). */
    boolean hasFirstTokenNeuron() {
        return plantedLayer >= 1;
    }

    /** c0: the constant channel every embedding row holds. */
    double constant() {
        return 3 * sigma;
    }

    /** ± value of a code channel. */
    double code() {
        return sigma;
    }

    /** Value of the delimiter-flag channel in the delimiter's row. */
    double flag() {
        return 4 * sigma;
    }

    /** a_v: the value head maps a code channel ±code to ±a_v. */
    double valueScale() {
        return sigma;
    }

    /** Z when all m code channels differ by a_v. */
    double zTypical() {
        return 4 * sigma;
    }
}
