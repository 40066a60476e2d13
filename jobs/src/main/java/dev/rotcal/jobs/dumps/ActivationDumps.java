package dev.rotcal.jobs.dumps;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.artifact.Storage;
import dev.rotcal.jobs.capture.RowSite;
import dev.rotcal.jobs.capture.SequenceBlocks;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Pre-captured activation dumps, the alternative to running a model (rotcal.activations.uri), for
 * architectures rotcal cannot run. Only the headers are read on the driver; executors read the rows.
 *
 * <h2>Format</h2>
 * One or more safetensors files: rotcal.activations.uri is a file, or a folder whose {@code *.safetensors}
 * files are read in name order (a tensor may be in any of them, but in one only). Tensors:
 * <ul>
 *   <li>{@code model.layers.{i}.attn_in} — F32, F16 or BF16, shape [rows, d]: layer i's input_layernorm
 *       output WITHOUT the gain, x / rms(x) (the input of q/k/v before the gain is folded in);</li>
 *   <li>{@code model.layers.{i}.mlp_in} — the same for post_attention_layernorm (the input of gate/up);</li>
 *   <li>{@code input_ids} (optional, one for all layers) — I32 or I64, shape [rows]: the token id of each row,
 *       for massive_tokens.json (without it tokens are reported as −1).</li>
 * </ul>
 * Both tensors are required for every layer, layers are numbered from 0 without gaps, and the rows of every
 * tensor are the same tokens in the same order. Optional {@code __metadata__} (strings):
 * {@code sequence_length} — the rows are consecutive sequences of that many tokens (row r is position
 * r mod L of sequence r / L); without it all rows are one sequence; {@code hidden_size} — checked against d.
 * Other tensors are ignored (with a warning). Sun et al.'s magnitude rule needs rms(h), which a dump does not
 * hold, so it is refused with dumps.
 *
 * @param uri            rotcal.activations.uri
 * @param files          the safetensors files, in name order
 * @param hiddenSize     d, the width of every row
 * @param layers         decoder layers in the dump: 0 … layers − 1
 * @param rows           rows of every tensor (tokens)
 * @param sequenceLength rows per sequence ({@code rows} when the dump is one sequence)
 * @param layerTensors   (layers · 2) the rows of layer l and site s at {@code 2 l + s.ordinal()}
 * @param inputIds       the token ids, or null when the dump has none
 * @param fingerprint    SHA-256 of the headers (file names, metadata, tensor names, dtypes, shapes, offsets)
 */
public record ActivationDumps(String uri, List<String> files, int hiddenSize, int layers, int rows,
                              int sequenceLength, List<DumpTensor> layerTensors, DumpTensor inputIds,
                              String fingerprint) implements Serializable {
    /** The optional token ids tensor. */
    public static final String INPUT_IDS = "input_ids";
    /** Metadata key: rows per sequence. */
    public static final String SEQUENCE_LENGTH = "sequence_length";
    /** Metadata key: the hidden size, checked against the tensors' width. */
    public static final String HIDDEN_SIZE = "hidden_size";

    public ActivationDumps {
        files = List.copyOf(files);
        layerTensors = List.copyOf(layerTensors);
        checkArgument(layerTensors.size() == 2 * layers && rows % sequenceLength == 0,
                "[BUG] Cannot describe dumps of %d layers with %d tensors, %d rows in sequences of %d", layers,
                layerTensors.size(), rows, sequenceLength);
    }

    /**
     * Reads and validates the headers of the dump at {@code uri} (nothing else): one-line
     * {@link dev.rotcal.jobs.config.SettingsException}s naming the file and tensor when they do not follow the
     * format.
     */
    public static ActivationDumps read(Storage storage, String uri) throws IOException {
        return DumpHeaders.read(storage, uri);
    }

    /** The tensor name of a layer's rows: {@code model.layers.3.attn_in}. */
    public static String tensorName(int layer, RowSite site) {
        return "model.layers." + layer + "." + site.label();
    }

    public DumpTensor tensor(int layer, RowSite site) {
        return layerTensors.get(2 * layer + site.ordinal());
    }

    public int sequences() {
        return rows / sequenceLength;
    }

    /** Calibration rows over all layers and both sites. */
    public long rowCount() {
        return 2L * layers * rows;
    }

    /**
     * The pieces the executors read, in the order the capture stage produces rows: by layer, then by block of
     * whole sequences ({@link SequenceBlocks}, at most {@code maxBlocks}), then attn_in before mlp_in, then
     * consecutive pieces of at most {@code maxRows} rows. A dump of the same sequences as a capture run so
     * gives the same pieces in the same order, hence the same partitions and the same sums.
     */
    public List<DumpPiece> pieces(int maxBlocks, int maxRows) {
        checkArgument(maxRows > 0, "Cannot cut activation dumps into pieces of %d rows", maxRows);
        int[] blocks = SequenceBlocks.sizes(sequences(), maxBlocks);
        List<DumpPiece> pieces = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            long blockStart = 0;
            for (int sequencesInBlock : blocks) {
                long blockRows = (long) sequencesInBlock * sequenceLength;
                for (RowSite site : RowSite.values()) {
                    for (long from = 0; from < blockRows; from += maxRows) {
                        int count = (int) Math.min(maxRows, blockRows - from);
                        pieces.add(new DumpPiece(layer, site, tensor(layer, site), inputIds, blockStart + from,
                                count, hiddenSize, sequenceLength));
                    }
                }
                blockStart += blockRows;
            }
        }
        return pieces;
    }
}
