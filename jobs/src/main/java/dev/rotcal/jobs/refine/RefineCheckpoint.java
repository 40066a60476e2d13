package dev.rotcal.jobs.refine;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.rotcal.artifact.Storage;
import dev.rotcal.dfrot.DfrotRefiner;
import dev.rotcal.io.ByteSource;
import dev.rotcal.jobs.BadInputException;
import dev.rotcal.model.safetensors.CheckpointFormatException;
import dev.rotcal.model.safetensors.SafetensorsFile;
import dev.rotcal.model.safetensors.SafetensorsWriter;
import dev.rotcal.model.safetensors.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The refine stage's checkpoint: the rotation after step k and the history of steps 1..k, so a run whose
 * driver died resumes at step k+1 and ends at the same R as an uninterrupted run. R is stored exactly, as
 * the IEEE-754 bits of its doubles (an I64 tensor "R_bits" [d, d]); the history as JSON metadata; the
 * "compatibility" string (what the rows and the loop depend on) must match to resume.
 *
 * @param uri where the checkpoint file lives, alone in a folder of its run (outside the published run:
 *            {@code <output>/<model>/_checkpoints/<run-id>/refine.safetensors})
 */
public record RefineCheckpoint(Storage storage, String uri) {
    private static final Logger LOG = LoggerFactory.getLogger(RefineCheckpoint.class);
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String ROTATION_BITS = "R_bits";

    /** Writes the checkpoint (to a temporary name first, so a crash mid-write keeps the previous one). */
    public void save(double[] rotation, int d, List<DfrotRefiner.Iteration> history, String compatibility) {
        long[] bits = new long[rotation.length]; // (d, d) Double.doubleToRawLongBits of R
        for (int i = 0; i < bits.length; i++) {
            bits[i] = Double.doubleToRawLongBits(rotation[i]);
        }
        String tmp = tmpUri();
        try {
            try (OutputStream out = storage.create(tmp, true)) {
                SafetensorsWriter.write(out, Map.of("steps", Integer.toString(history.size()),
                                "history", JSON.writeValueAsString(history), "compatibility", compatibility,
                                "encoding", "R_bits holds Double.doubleToRawLongBits of R (d, d) row-major"),
                        List.of(Tensor.ofLongs(ROTATION_BITS, List.of((long) d, (long) d), bits)));
            }
            if (storage.exists(uri)) {
                storage.delete(uri);
            }
            storage.rename(tmp, uri);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the refine checkpoint " + uri + ": " + e.getMessage(), e);
        }
        LOG.info("refine: checkpoint after step {} written to {}", history.size(), uri);
    }

    /**
     * The saved start, if a checkpoint exists; refuses one made for other rows or another loop. When only the
     * temporary file is there, the driver died inside {@link #save} after deleting the previous checkpoint and
     * before the rename finished (on S3 a rename is a copy: seconds for a large R): that file was completely
     * written before the delete, so it is the latest checkpoint. A temporary file that does not read back is
     * one whose writing was cut short while no checkpoint existed yet: then there is none.
     */
    public Optional<DfrotRefiner.Start> load(int d, String compatibility) {
        String tmp = tmpUri();
        try {
            if (storage.exists(uri)) {
                return Optional.of(read(uri, d, compatibility));
            }
            if (!storage.exists(tmp)) {
                return Optional.empty();
            }
            try {
                DfrotRefiner.Start start = read(tmp, d, compatibility);
                LOG.info("refine: {} is missing but {} is complete (the driver died while replacing it): using it",
                        uri, tmp);
                return Optional.of(start);
            } catch (CheckpointFormatException | UncheckedIOException cutShort) {
                LOG.warn("refine: ignoring {}, a checkpoint whose writing was cut short: {}", tmp,
                        cutShort.getMessage());
                return Optional.empty();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the refine checkpoint " + uri + ": " + e.getMessage(), e);
        }
    }

    /**
     * Before any Spark work (--resume): the checkpoint, if there is one, reads back whole and was made for this data
     * and loop — everything {@link #load} checks except the massive set, which is known only after the scan. A
     * changed α or a corrupt file then fails in one line at once, not after the capture.
     */
    public void precheck(int d, String compatibility) {
        try {
            String source = storage.exists(uri) ? uri : storage.exists(tmpUri()) ? tmpUri() : null;
            if (source == null) {
                return;
            }
            try {
                read(source, d, compatibility, true);
            } catch (CheckpointFormatException | UncheckedIOException e) {
                if (source.equals(uri)) {
                    throw e;
                }
                // a temporary file cut short is ignored by load as well
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the refine checkpoint " + uri + ": " + e.getMessage(), e);
        }
    }

    /** Removes the checkpoint (after a successful publish), and its folder when nothing else (the run's lease) is in it. */
    public void delete() {
        String folder = uri.substring(0, uri.lastIndexOf('/'));
        try {
            storage.delete(uri);
            storage.delete(tmpUri());
            if (storage.exists(folder) && storage.list(folder, false).isEmpty()) {
                storage.delete(folder);
            }
        } catch (IOException e) {
            LOG.warn("Could not delete the refine checkpoint {}: {}", uri, e.getMessage());
        }
    }

    private DfrotRefiner.Start read(String source, int d, String compatibility) throws IOException {
        return read(source, d, compatibility, false);
    }

    /** @param withoutMassive compare everything but the "massive=" field (not known yet) */
    private DfrotRefiner.Start read(String source, int d, String compatibility, boolean withoutMassive)
            throws IOException {
        try (ByteSource bytes = storage.openByteSource(source); SafetensorsFile file = SafetensorsFile.open(bytes)) {
            String saved = file.metadata().get("compatibility");
            boolean same = withoutMassive ? saved != null && withoutMassive(compatibility).equals(withoutMassive(saved))
                    : compatibility.equals(saved);
            if (!same) {
                throw new BadInputException("Cannot resume from " + source + ": it was made for " + saved
                        + ", this run is " + compatibility
                        + " (resume with the same config and data, or start a new run id)");
            }
            long[] bits = file.read(ROTATION_BITS).longs();
            double[] rotation = new double[bits.length];
            for (int i = 0; i < bits.length; i++) {
                rotation[i] = Double.longBitsToDouble(bits[i]);
            }
            if (rotation.length != d * d) {
                throw new BadInputException("Cannot resume from " + source + ": R has " + rotation.length
                        + " values, the rows have width " + d + " (wrong run id?)");
            }
            List<DfrotRefiner.Iteration> history = JSON.readValue(file.metadata().get("history"),
                    new TypeReference<List<DfrotRefiner.Iteration>>() { });
            return new DfrotRefiner.Start(rotation, history);
        }
    }

    private static String withoutMassive(String compatibility) {
        return compatibility.replaceAll("\\s*massive=\\S*", "");
    }

    private String tmpUri() {
        return uri + ".tmp";
    }
}
