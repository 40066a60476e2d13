package dev.rotcal.jobs.capture;

import static dev.rotcal.Checks.checkArgument;

import java.io.Serializable;

/**
 * A block of calibration sequences of one length: the unit of work of the capture stage (one RDD element).
 *
 * @param blockId     position of the block in the run, for deterministic ordering
 * @param sequenceIds (nSeq) run-wide index of each sequence
 * @param seqLen      tokens per sequence
 * @param tokens      (nSeq · seqLen) token ids, sequence after sequence
 */
public record TokenBlock(int blockId, int[] sequenceIds, int seqLen, int[] tokens) implements Serializable {
    public TokenBlock {
        checkArgument(seqLen > 0 && tokens.length == Math.multiplyExact(sequenceIds.length, seqLen),
                "Cannot build a token block of %d sequences × %d tokens from %d ids", sequenceIds.length, seqLen,
                tokens.length);
    }

    public int rows() {
        return tokens.length;
    }
}
