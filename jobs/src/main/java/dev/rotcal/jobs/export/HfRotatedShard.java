package dev.rotcal.jobs.export;

import dev.rotcal.artifact.Storage;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.model.LayerTensor;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.TensorLayout;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerWeights;
import dev.rotcal.model.rotate.ModelRotation;
import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.SafetensorsWriter;
import dev.rotcal.model.safetensors.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;

/**
 * Executor side of the {@code hf-rotated} export: writes one shard of the rotated model — the embeddings (E·R1), the
 * output head (final gain folded, lm_head·R1, untied, norm = 1), or one decoder layer (gains folded, R1 into every
 * linear, R2 per head into v_proj / o_proj, norms = 1) — as {@code model-0000k-of-0000N.safetensors} in the
 * export's dtype. Every transformation is exact in real arithmetic, so the exported model computes the original's
 * logits with no runtime support for rotations.
 */
final class HfRotatedShard implements Function<Integer, HfRotatedShard.Written> {
    private static final long serialVersionUID = 1L;

    /** Shard index 0: the embeddings; 1: the final norm and the output head; 2 + l: decoder layer l. */
    static final int EMBEDDINGS = 0;
    static final int HEAD = 1;

    /** What a task wrote: the shard's file name, its tensor names and their bytes. */
    record Written(String file, List<String> tensors, long bytes) implements Serializable {
    }

    private final ModelSource model;
    private final Broadcast<double[]> r1;
    private final Storage storage;
    private final String outUri;
    private final SafetensorsDtype dtype;
    private final int shards;

    HfRotatedShard(ModelSource model, Broadcast<double[]> r1, Storage storage, String outUri, SafetensorsDtype dtype,
                   int shards) {
        this.model = model;
        this.r1 = r1;
        this.storage = storage;
        this.outUri = outUri;
        this.dtype = dtype;
        this.shards = shards;
    }

    /** HF's shard name: model-00001-of-00034.safetensors (1-based). */
    static String fileName(int shard, int shards) {
        return String.format("model-%05d-of-%05d.safetensors", shard + 1, shards);
    }

    @Override
    public Written call(Integer shard) {
        ModelConfig config = model.config();
        TensorLayout layout = config.layout();
        int d = config.hiddenSize();
        double[] r = r1.value();
        List<Tensor> tensors = new ArrayList<>();
        try (Checkpoint checkpoint = model.open()) {
            if (shard == EMBEDDINGS) {
                float[] e = checkpoint.readFloats(layout.embedTokens());
                tensors.add(tensor(layout.embedTokens(), List.of((long) config.vocabSize(), (long) d),
                        ModelRotation.rotateEmbeddings(e, config.vocabSize(), r, d)));
            } else if (shard == HEAD) {
                float[] finalNorm = checkpoint.readFloats(layout.finalNorm());
                float[] head = checkpoint.readFloats(config.tieWordEmbeddings() ? layout.embedTokens()
                        : layout.lmHead());
                tensors.add(tensor(layout.finalNorm(), List.of((long) d), ones(d)));
                tensors.add(tensor(layout.lmHead(), List.of((long) config.vocabSize(), (long) d),
                        ModelRotation.rotateLmHead(head, finalNorm, config.vocabSize(), r)));
            } else {
                int layer = shard - 2;
                LayerWeights w = ModelRotation.rotateLayer(LayerWeights.read(checkpoint, config, layer), r,
                        DecoderShape.of(config), true, false);
                for (LayerTensor t : LayerTensor.values()) {
                    if (layout.has(t)) {
                        tensors.add(tensor(layout.layerTensorName(layer, t), t.shape(config), w.tensor(t)));
                    }
                }
            }
        }
        String file = fileName(shard, shards);
        try (OutputStream out = storage.create(outUri + "/" + file, true)) {
            SafetensorsWriter.write(out, Map.of("format", "pt"), tensors);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + outUri + "/" + file + ": " + e.getMessage(), e);
        }
        long bytes = tensors.stream().mapToLong(t -> t.numel() * dtype.byteSize()).sum();
        return new Written(file, tensors.stream().map(Tensor::name).toList(), bytes);
    }

    private Tensor tensor(String name, List<Long> shape, float[] values) {
        return Tensor.ofFloats(name, dtype, shape, values);
    }

    private static float[] ones(int n) {
        float[] g = new float[n];
        Arrays.fill(g, 1f);
        return g;
    }
}
