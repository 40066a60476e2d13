package dev.rotcal.jobs.calibrate;

import dev.rotcal.jobs.capture.TokenBlock;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.linalg.FastHadamardTransform;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.CaptureSwitches;
import dev.rotcal.model.forward.DecoderLayer;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerCaptures;
import dev.rotcal.model.forward.ModelForward;
import dev.rotcal.model.forward.ModelWeights;
import dev.rotcal.model.forward.RotaryEmbedding;
import dev.rotcal.model.forward.TokenEmbedding;
import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.scales.LinearInput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;

/**
 * The single-machine side of {@code DistributedScalesTest}: the same blocks through {@link DecoderLayer} on the driver
 * (one BLAS thread, as the executors), each layer's inputs as the rotated model sees them with R1 = I (o_proj_in per head and K, V per KV head
 * through the normalized head Hadamard, down_proj_in through R4), concatenated over blocks.
 */
record RotatedInputsReference(List<EnumMap<LinearInput, float[]>> inputs, List<float[]> keys, List<float[]> values) {
    static RotatedInputsReference of(Path model, ModelConfig config, List<TokenBlock> blocks, int blasThreads) {
        DecoderShape shape = DecoderShape.of(config);
        DenseLinearAlgebra.setBlasThreads(blasThreads);
        ModelWeights weights;
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            weights = ModelWeights.read(checkpoint, config);
        }
        DecoderLayer decoder = new DecoderLayer(shape, RotaryEmbedding.of(config));
        int layers = config.numHiddenLayers();
        List<List<LayerCaptures>> perLayer = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            perLayer.add(new ArrayList<>());
        }
        for (TokenBlock block : blocks) {
            float[] hidden = TokenEmbedding.lookup(block.tokens(), weights.embedTokens(), weights.vocab(),
                    shape.hidden());
            int[] positions = ModelForward.positions(block.rows(), block.seqLen());
            for (int l = 0; l < layers; l++) {
                perLayer.get(l).add(decoder.forward(hidden, positions, block.seqLen(), weights.layers().get(l),
                        CaptureSwitches.ALL));
            }
        }
        int n = blocks.stream().mapToInt(TokenBlock::rows).sum();
        FastHadamardTransform head = new FastHadamardTransform(shape.headDim());
        List<EnumMap<LinearInput, float[]>> inputs = new ArrayList<>();
        List<float[]> keys = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        for (List<LayerCaptures> captures : perLayer) {
            EnumMap<LinearInput, float[]> in = new EnumMap<>(LinearInput.class);
            in.put(LinearInput.ATTN_IN, concat(captures.stream().map(LayerCaptures::attentionInput).toList()));
            in.put(LinearInput.MLP_IN, concat(captures.stream().map(LayerCaptures::mlpInput).toList()));
            float[] o = concat(captures.stream().map(LayerCaptures::attentionOutput).toList());
            head.applyNormalized(o, n * shape.nHeads());
            in.put(LinearInput.O_PROJ_IN, o);
            float[] down = concat(captures.stream().map(LayerCaptures::downProjInput).toList());
            new FastHadamardTransform(shape.intermediate()).applyNormalized(down, n);
            in.put(LinearInput.DOWN_PROJ_IN, down);
            inputs.add(in);
            float[] k = concat(captures.stream().map(LayerCaptures::keys).toList());
            head.applyNormalized(k, n * shape.nKvHeads());
            keys.add(k);
            float[] v = concat(captures.stream().map(LayerCaptures::values).toList());
            head.applyNormalized(v, n * shape.nKvHeads());
            values.add(v);
        }
        return new RotatedInputsReference(inputs, keys, values);
    }

    float[] rows(int layer, LinearInput input) {
        return inputs.get(layer).get(input);
    }

    float[] keys(int layer) {
        return keys.get(layer);
    }

    float[] values(int layer) {
        return values.get(layer);
    }

    private static float[] concat(List<float[]> parts) {
        float[] out = new float[parts.stream().mapToInt(p -> p.length).sum()];
        int off = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }
}
