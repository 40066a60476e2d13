package dev.rotcal.jobs.dumps;

import dev.rotcal.artifact.Storage;
import dev.rotcal.jobs.capture.ActivationChunk;
import dev.rotcal.model.safetensors.SafetensorsFile;
import java.io.IOException;
import java.util.Arrays;
import org.apache.spark.api.java.function.Function;

/**
 * Executor side: one piece of a dump → one activation chunk. The rows come with one positional read of
 * their byte range (a ranged GET on S3), the token ids likewise; rms(h) is unknown in a dump and left NaN.
 */
public final class ReadDumpPiece implements Function<DumpPiece, ActivationChunk> {
    private static final long serialVersionUID = 1L;

    private final Storage storage;

    public ReadDumpPiece(Storage storage) {
        this.storage = storage;
    }

    @Override
    public ActivationChunk call(DumpPiece piece) throws IOException {
        int n = piece.count();
        float[] rows; // (n, d)
        try (SafetensorsFile file = SafetensorsFile.open(storage.openByteSource(piece.rows().file()))) {
            rows = file.readRowRange(piece.rows().name(), piece.firstRow(), n);
        }
        int[] token = new int[n];
        if (piece.inputIds() == null) {
            Arrays.fill(token, -1);
        } else {
            try (SafetensorsFile file = SafetensorsFile.open(storage.openByteSource(piece.inputIds().file()))) {
                token = file.readIntRange(piece.inputIds().name(), piece.firstRow(), n);
            }
        }
        int[] sequence = new int[n];
        int[] position = new int[n];
        for (int i = 0; i < n; i++) {
            long row = piece.firstRow() + i;
            sequence[i] = (int) (row / piece.sequenceLength());
            position[i] = (int) (row % piece.sequenceLength());
        }
        float[] rms = new float[n];
        Arrays.fill(rms, Float.NaN);
        return new ActivationChunk(piece.layer(), piece.site(), piece.d(), sequence, position, token, rows, rms);
    }
}
