package dev.rotcal.jobs.capture;

import dev.rotcal.scales.LayerStatistics;
import java.io.Serializable;
import java.util.List;

/**
 * What one decoder layer produced for one block: the residual stream after it, the two rows the layer's norms fed
 * to its linears, and the block's statistics for the scales stage (null when the stage is off).
 */
public record LayerStep(HiddenBlock next, ActivationChunk attentionInput, ActivationChunk mlpInput,
                        LayerStatistics statistics) implements Serializable {

    public List<ActivationChunk> chunks() {
        return List.of(attentionInput, mlpInput);
    }
}
