package dev.rotcal.jobs.dumps;

import dev.rotcal.jobs.capture.RowSite;
import java.io.Serializable;

/**
 * A contiguous run of rows of one dump tensor: what one executor reads with one positional read and turns
 * into one activation chunk.
 *
 * @param layer          decoder layer of the rows
 * @param site           attention input or MLP input
 * @param rows           the tensor, (dump rows, d)
 * @param inputIds       the dump's input_ids, (dump rows); null when the dump has none
 * @param firstRow       the piece's first row in the tensor
 * @param count          rows in the piece (≥ 1)
 * @param d              row width
 * @param sequenceLength rows per sequence: row r is position r mod sequenceLength of sequence r / sequenceLength
 */
public record DumpPiece(int layer, RowSite site, DumpTensor rows, DumpTensor inputIds, long firstRow, int count,
                        int d, int sequenceLength) implements Serializable {
}
