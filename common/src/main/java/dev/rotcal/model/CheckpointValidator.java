package dev.rotcal.model;

import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.model.safetensors.CheckpointFormatException;
import dev.rotcal.model.safetensors.TensorInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a checkpoint against its config.json before any weights are read: every tensor the family's
 * {@link TensorLayout} expects is present, floating (F32/F16/BF16) and of the shape the config implies, and
 * there is no layer beyond num_hidden_layers. Tensors the layout does not describe (e.g. LLaMA-2's
 * rotary_emb.inv_freq, or lm_head.weight next to tied embeddings) are ignored with one WARN line.
 */
public final class CheckpointValidator {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointValidator.class);

    private CheckpointValidator() {
    }

    /** Throws {@link CheckpointFormatException} naming the first problem (and how many more there are). */
    public static void validate(ModelConfig config, Checkpoint checkpoint) {
        List<String> problems = problems(config, checkpoint.infos());
        if (!problems.isEmpty()) {
            throw new CheckpointFormatException(String.format("Cannot use checkpoint %s: %s%s",
                    checkpoint.location(), problems.get(0),
                    problems.size() == 1 ? "" : " (and " + (problems.size() - 1) + " more)"));
        }
        Map<String, List<Long>> expected = config.layout().expectedShapes(config);
        long ignored = checkpoint.tensorNames().stream().filter(name -> !expected.containsKey(name)).count();
        if (ignored > 0) {
            LOG.warn("Checkpoint {} has {} tensors that config.json does not describe; ignoring them",
                    checkpoint.location(), ignored);
        }
    }

    /** Every mismatch between the tensors in {@code infos} and what {@code config} implies, one line each. */
    public static List<String> problems(ModelConfig config, Map<String, TensorInfo> infos) {
        List<String> problems = new ArrayList<>();
        Map<String, List<Long>> expected = config.layout().expectedShapes(config);
        for (Map.Entry<String, List<Long>> e : expected.entrySet()) {
            String name = e.getKey();
            TensorInfo info = infos.get(name);
            if (info == null) {
                problems.add(String.format("tensor %s is missing, config.json (model_type %s, %d layers%s) implies"
                                + " it", name, config.family().modelType(), config.numHiddenLayers(),
                        name.equals(config.layout().lmHead()) ? ", tie_word_embeddings false" : ""));
            } else if (!info.shape().equals(e.getValue())) {
                problems.add(String.format("tensor %s has shape %s, config.json implies %s", name, info.shape(),
                        e.getValue()));
            } else if (!info.dtype().isFloating()) {
                problems.add(String.format("tensor %s has dtype %s, rotcal reads F32, F16 or BF16 weights"
                        + " (already-quantized checkpoint?)", name, info.dtype()));
            }
        }
        String extraLayer = config.layout().layerPrefix(config.numHiddenLayers());
        infos.keySet().stream().filter(name -> name.startsWith(extraLayer)).findFirst().ifPresent(name ->
                problems.add(String.format("tensor %s belongs to a layer beyond num_hidden_layers %d in config.json",
                        name, config.numHiddenLayers())));
        return problems;
    }
}
