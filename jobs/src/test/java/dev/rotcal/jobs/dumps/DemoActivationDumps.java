package dev.rotcal.jobs.dumps;

import dev.rotcal.demo.DemoCorpus;
import dev.rotcal.demo.DemoModel;
import dev.rotcal.jobs.capture.RowSite;
import dev.rotcal.jobs.capture.SequenceBlocks;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.CaptureSwitches;
import dev.rotcal.model.forward.ModelForward;
import dev.rotcal.model.forward.ModelWeights;
import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.Tensor;
import dev.rotcal.tokens.InputFile;
import dev.rotcal.tokens.NpyTokenSource;
import dev.rotcal.tokens.TokenCorpus;
import dev.rotcal.tokens.TokenWindows;
import dev.rotcal.tokens.WindowSampler;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Test dumps of the demo model: the calibration windows rotcal would sample, run through the single-machine
 * forward ({@link ModelForward}, {@link CaptureSwitches#NORM_ROWS}) block by block as the capture stage deals
 * them with the same BLAS threads, and the two gain-free norm outputs of every layer kept as dump tensors, with
 * input_ids.
 */
final class DemoActivationDumps {
    private DemoActivationDumps() {
    }

    /** The windows rotcal.data samples from the demo corpus (the same reader and sampler as the job). */
    static TokenWindows windows(Path model, int sequenceLength, int sequences, long seed) {
        ModelConfig config = ModelConfig.read(model.resolve(DemoModel.CONFIG_JSON));
        TokenCorpus corpus = new NpyTokenSource().read(InputFile.local(model.resolve(DemoCorpus.CALIBRATION_NPY)))
                .checkVocabulary(config.vocabSize());
        return new WindowSampler(sequenceLength, sequences, seed).sample(corpus);
    }

    /**
     * @param maxBlocks the capture stage's blocks (max(1, rotcal.spark.partitions)): the forward runs over the
     *                  same rows at a time, so the dump holds bit for bit what the capture stage computes
     * @return by name: model.layers.{i}.attn_in and mlp_in as (rows, d) F32, and input_ids as I32 (rows)
     */
    static Map<String, Tensor> capture(Path model, TokenWindows windows, int maxBlocks) {
        ModelConfig config = ModelConfig.read(model.resolve(DemoModel.CONFIG_JSON));
        ModelWeights weights;
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            weights = ModelWeights.read(checkpoint, config);
        }
        int d = config.hiddenSize();
        int layers = config.numHiddenLayers();
        int seqLen = windows.sequenceLength();
        int rows = windows.tokens().length;
        float[][] attnIn = new float[layers][rows * d]; // per layer (rows, d)
        float[][] mlpIn = new float[layers][rows * d];
        DenseLinearAlgebra.setBlasThreads(1); // as a capture task with rotcal.spark.blas-threads-per-task = 1
        try (ModelForward forward = ModelForward.of(config, weights)) {
            int first = 0;
            for (int size : SequenceBlocks.sizes(windows.count(), maxBlocks)) {
                int[] tokens = Arrays.copyOfRange(windows.tokens(), first * seqLen, (first + size) * seqLen);
                int offset = first * seqLen * d;
                forward.runLayers(tokens, seqLen, CaptureSwitches.NORM_ROWS, (layer, h, captures) -> {
                    System.arraycopy(captures.attentionInput(), 0, attnIn[layer], offset, tokens.length * d);
                    System.arraycopy(captures.mlpInput(), 0, mlpIn[layer], offset, tokens.length * d);
                });
                first += size;
            }
        }
        Map<String, Tensor> tensors = new TreeMap<>();
        for (int layer = 0; layer < layers; layer++) {
            put(tensors, ActivationDumps.tensorName(layer, RowSite.ATTENTION_INPUT), attnIn[layer], rows, d);
            put(tensors, ActivationDumps.tensorName(layer, RowSite.MLP_INPUT), mlpIn[layer], rows, d);
        }
        tensors.put(ActivationDumps.INPUT_IDS, Tensor.ofInts(ActivationDumps.INPUT_IDS, List.of((long) rows),
                windows.tokens().clone()));
        return tensors;
    }

    private static void put(Map<String, Tensor> tensors, String name, float[] rows, int n, int d) {
        tensors.put(name, Tensor.ofFloats(name, SafetensorsDtype.F32, List.of((long) n, (long) d), rows));
    }
}
