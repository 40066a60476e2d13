package dev.rotcal.jobs.capture;

import static dev.rotcal.Checks.checkArgument;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Calibration rows of one layer and site: dense float rows plus where each row came from. The refine stage
 * iterates over these chunks every iteration, so they are persisted serialized and sized for its GEMMs.
 *
 * @param layer    decoder layer index
 * @param site     attention input or MLP input
 * @param d        row width (hidden size)
 * @param sequence (n) sequence index of each row
 * @param position (n) position of each row in its sequence
 * @param token    (n) token id of each row (−1 when unknown, e.g. activation dumps without tokens)
 * @param rows     (n, d) row-major rows x = h / rms(h)
 * @param rms      (n) rms(h) of each row, so the residual stream is h = x · rms (Sun et al.'s magnitude rule)
 */
public record ActivationChunk(int layer, RowSite site, int d, int[] sequence, int[] position, int[] token,
                              float[] rows, float[] rms) implements Serializable {
    public ActivationChunk {
        int n = sequence.length;
        checkArgument(position.length == n && token.length == n && rms.length == n
                        && rows.length == Math.multiplyExact(n, d),
                "Cannot build an activation chunk: %d sequence ids, %d positions, %d tokens, %d rms, %d floats for "
                        + "d = %d", n, position.length, token.length, rms.length, rows.length, d);
    }

    public int rowCount() {
        return sequence.length;
    }

    /** The run-wide key of row i: layer, site, sequence and position packed into a long. */
    public long rowKey(int i) {
        return RowKeys.of(layer, site, sequence[i], position[i]);
    }

    /** Consecutive pieces of at most {@code maxRows} rows (this chunk itself when it is small enough). */
    public List<ActivationChunk> split(int maxRows) {
        checkArgument(maxRows > 0, "Cannot split an activation chunk into pieces of %d rows", maxRows);
        int n = rowCount();
        if (n <= maxRows) {
            return List.of(this);
        }
        List<ActivationChunk> pieces = new ArrayList<>();
        for (int from = 0; from < n; from += maxRows) {
            int to = Math.min(n, from + maxRows);
            pieces.add(new ActivationChunk(layer, site, d, Arrays.copyOfRange(sequence, from, to),
                    Arrays.copyOfRange(position, from, to), Arrays.copyOfRange(token, from, to),
                    Arrays.copyOfRange(rows, from * d, to * d), Arrays.copyOfRange(rms, from, to)));
        }
        return pieces;
    }
}
