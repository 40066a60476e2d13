package dev.rotcal.demo;

import static dev.rotcal.Checks.checkArgument;

/**
 * The size and seed of the demo model: a tiny LLaMA-architecture checkpoint (model_type llama, GQA, untied
 * lm_head) with the planted massive-activation mechanism described in {@code package-info.java}. The same
 * spec writes byte-identical files.
 *
 * @param plantedLayer  the layer whose MLP writes the massive activations (LLaMA2-7B: layer 2); layer 0
 *                      computes the position-0 signal, so it must be ≥ 1
 */
public record DemoModelSpec(int hiddenSize, int numLayers, int numHeads, int numKvHeads, int headDim,
                            int intermediateSize, int vocabSize, double ropeTheta, double rmsNormEps,
                            int maxPositionEmbeddings, int plantedLayer, long seed) {

    /** The default seed: DFRot's arXiv number. */
    public static final long DEFAULT_SEED = 241200648L;
    /** Largest vocabulary: ±1 codes with minimum distance 8 over 32 channels get scarce beyond this. */
    public static final int MAX_VOCAB = 4096;

    public DemoModelSpec {
        checkArgument(hiddenSize >= 128, "Cannot build a demo model with hidden size %d: it needs ≥ 128 channels"
                + " (%d carry the mechanism)", hiddenSize, DemoChannels.mechanismChannels());
        checkArgument(numLayers >= 2 && plantedLayer >= 1 && plantedLayer < numLayers, "Cannot build a demo model"
                + " with %d layers and planted layer %d: layer 0 detects position 0, so 1 ≤ planted layer < layers",
                numLayers, plantedLayer);
        checkArgument(numKvHeads >= 1 && numHeads % numKvHeads == 0 && numHeads / numKvHeads >= 2,
                "Cannot build a demo model with %d heads and %d KV heads: the self head and the prefix-mean head"
                        + " share KV head 0, so every KV head needs ≥ 2 query heads", numHeads, numKvHeads);
        checkArgument(headDim % 2 == 0 && headDim >= DemoMagnitudes.CODE_WIDTH
                        && headDim / 2 > DemoMagnitudes.POSITION_PAIRS,
                "Cannot build a demo model with head_dim %d: it must be even and ≥ %d (the code width)", headDim,
                DemoMagnitudes.CODE_WIDTH);
        checkArgument(intermediateSize >= 2 * DemoMagnitudes.CODE_WIDTH + 2, "Cannot build a demo model with"
                + " intermediate size %d: the mechanism uses %d neurons", intermediateSize,
                2 * DemoMagnitudes.CODE_WIDTH + 2);
        checkArgument(vocabSize >= DemoVocabulary.FIRST_WORD_ID + 200 && vocabSize <= MAX_VOCAB, "Cannot build a"
                + " demo model with vocab size %d: supported %d..%d", vocabSize, DemoVocabulary.FIRST_WORD_ID + 200,
                MAX_VOCAB);
        checkArgument(ropeTheta > 1 && rmsNormEps > 0 && rmsNormEps < 1e-2, "Cannot build a demo model with"
                + " rope_theta %s and rms_norm_eps %s: need theta > 1 and 0 < eps < 0.01", ropeTheta, rmsNormEps);
        checkArgument(maxPositionEmbeddings >= 2 && maxPositionEmbeddings <= 1 << 16, "Cannot build a demo model"
                + " with max_position_embeddings %d: supported 2..65536", maxPositionEmbeddings);
    }

    /**
     * hidden 512, 6 layers, 8 heads, 2 KV heads, head_dim 64, intermediate 1792 = 28·64 (a non-power-of-two
     * Hadamard size), vocab 1536, rope_theta 10000, rms_norm_eps 1e-5, 4096 positions, planted layer 2.
     */
    public static DemoModelSpec defaults() {
        return new DemoModelSpec(512, 6, 8, 2, 64, 1792, 1536, 10000.0, 1e-5, 4096, 2, DEFAULT_SEED);
    }

    /** This spec with another seed. */
    public DemoModelSpec withSeed(long newSeed) {
        return new DemoModelSpec(hiddenSize, numLayers, numHeads, numKvHeads, headDim, intermediateSize, vocabSize,
                ropeTheta, rmsNormEps, maxPositionEmbeddings, plantedLayer, newSeed);
    }

    /** Query heads per KV head. */
    public int queriesPerKvHead() {
        return numHeads / numKvHeads;
    }
}
