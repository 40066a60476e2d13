package dev.rotcal.scales;

import dev.rotcal.model.safetensors.Tensor;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * What the scales stage publishes for one linear: its tensors in the layer file (full names, see the README's
 * table) and, per method, the numbers metrics.json reports (relative_error, output_error, chosen format, …).
 *
 * @param linear  HF name of the linear ("q_proj")
 * @param tensors the layer-file tensors, names prefixed "model.layers.{i}.{module}.{linear}.{method}."
 * @param metrics method → metric name → number or text
 */
public record LinearScales(String linear, List<Tensor> tensors, Map<String, Map<String, Object>> metrics)
        implements Serializable {
    public LinearScales {
        tensors = List.copyOf(tensors);
        // in the methods' order, which metrics.json keeps (Map.copyOf's order changes from one JVM to the next)
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
    }
}
