package dev.rotcal.jobs.config;

import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.jobs.dumps.ActivationDumps;
import dev.rotcal.linalg.HadamardOrder;
import dev.rotcal.model.ModelConfig;
import java.util.Optional;

/**
 * What the driver knows once {@link Preflight} passed.
 *
 * @param modelConfig     the checkpoint's config.json; empty when calibrating pre-captured activations
 * @param activationDumps the dumps' validated headers; empty when calibrating a checkpoint
 * @param hiddenHadamard  the Hadamard order of the hidden size (config.json's, or the dumps' width)
 * @param modelName       the model's name in the artifact path
 * @param runId           the run id
 * @param layout          where the run will be published
 * @param replacesRun     whether a published run is already there (only with rotcal.output.overwrite = true)
 */
public record PreflightResult(Optional<ModelConfig> modelConfig, Optional<ActivationDumps> activationDumps,
                              Optional<HadamardOrder> hiddenHadamard, String modelName, String runId,
                              ArtifactLayout layout, boolean replacesRun) {
}
