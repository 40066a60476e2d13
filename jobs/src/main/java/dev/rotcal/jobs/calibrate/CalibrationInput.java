package dev.rotcal.jobs.calibrate;

import dev.rotcal.jobs.capture.ActivationChunk;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.jobs.capture.TokenBlock;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * Where a run's calibration rows come from — a checkpoint run over calibration tokens ({@link CheckpointInput})
 * or pre-captured activation dumps ({@link DumpInput}) — and what the artifact records about it. Everything
 * after the rows (layout, scan, refine, publish) is the same for both.
 */
interface CalibrationInput {

    /** The width d of every row. */
    int hiddenSize();

    /** head_dim, for the R2s of rotation.safetensors; 0 when unknown (dumps). */
    int headDim();

    /** Calibration rows over all layers and both sites. */
    long rowCount();

    /** The stage's name in metrics.json's stage_seconds. */
    String stageName();

    /**
     * Runs the stage that makes the rows on the cluster.
     *
     * @param maxRows    the largest piece the refine stage adds at once
     * @param partitions the partitions of the calibration rows
     * @return the rows, persisted at {@code level} and materialized, in an order that depends only on the
     *         input and these sizes; the caller unpersists them
     */
    List<JavaRDD<ActivationChunk>> rows(JavaSparkContext sc, int maxRows, int partitions, int blasThreads,
                                        StorageLevel level);

    /** The checkpoint folder or the dumps: the manifest's model.uri, and named in errors about the rows. */
    String uri();

    /** The manifest's model fingerprint. */
    String modelFingerprint() throws IOException;

    /** The manifest's data fingerprint; a refine checkpoint is resumed only on rows of the same one. */
    String dataFingerprint();

    /** Token id → text for massive_tokens.json, where a tokenizer is known (else empty). */
    Map<Integer, String> tokenText() throws IOException;

    /**
     * The scales stage's own calibration windows in at most {@code maxBlocks} blocks; empty when the input carries no
     * weights (activation dumps) or the stage is off.
     */
    default Optional<List<TokenBlock>> scalesBlocks(int maxBlocks) {
        return Optional.empty();
    }

    /** The checkpoint the rows came from, for the stages that need weights (scales, evaluate); empty for dumps. */
    default Optional<ModelSource> model() {
        return Optional.empty();
    }
}
