package dev.rotcal.jobs.dumps;

import dev.rotcal.artifact.Storage;
import dev.rotcal.jobs.capture.ActivationChunk;
import dev.rotcal.jobs.spark.JobGroups;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage "load dumps", instead of capture when rotcal.activations.uri is set: the driver cuts the dump into
 * pieces from its headers ({@link ActivationDumps#pieces}), executors read each piece's byte range straight
 * from the dump URI ({@link ReadDumpPiece}) into the activation chunks the capture stage would have made.
 */
public final class LoadActivationDumpsStage {
    private static final Logger LOG = LoggerFactory.getLogger(LoadActivationDumpsStage.class);

    private LoadActivationDumpsStage() {
    }

    /**
     * @param maxBlocks  blocks of whole sequences per layer and site, as the capture stage's token blocks
     * @param maxRows    largest piece, in rows
     * @param partitions tasks that read the pieces
     * @return the rows, persisted at {@code level} and materialized, in capture order; the caller unpersists them
     */
    public static List<JavaRDD<ActivationChunk>> run(JavaSparkContext sc, Storage storage, ActivationDumps dumps,
                                                     int maxBlocks, int maxRows, int partitions, StorageLevel level) {
        long start = System.nanoTime();
        List<DumpPiece> pieces = dumps.pieces(maxBlocks, maxRows);
        JavaRDD<ActivationChunk> rows;
        try (JobGroups.Group g = JobGroups.enter(sc, "load-dumps", "load dumps: %d pieces of %d layers × 2 sites × %d"
                + " rows from %s", pieces.size(), dumps.layers(), dumps.rows(), dumps.uri())) {
            rows = sc.parallelize(pieces, Math.max(1, Math.min(pieces.size(), partitions))).setName("dump pieces")
                    .map(new ReadDumpPiece(storage)).setName("rows of the dumps").persist(level);
            rows.count();
        }
        LOG.info("load dumps: {} rows in {} pieces from {} files in {} s", dumps.rowCount(), pieces.size(),
                dumps.files().size(), String.format("%.1f", (System.nanoTime() - start) / 1e9));
        return List.of(rows);
    }
}
