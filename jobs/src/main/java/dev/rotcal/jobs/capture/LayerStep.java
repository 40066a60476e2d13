package dev.rotcal.jobs.capture;

import java.io.Serializable;
import java.util.List;

/**
 * What one decoder layer produced for one block: the residual stream after it and the two rows the layer's norms fed
 * to its linears.
 */
public record LayerStep(HiddenBlock next, ActivationChunk attentionInput, ActivationChunk mlpInput)
        implements Serializable {

    public List<ActivationChunk> chunks() {
        return List.of(attentionInput, mlpInput);
    }
}
