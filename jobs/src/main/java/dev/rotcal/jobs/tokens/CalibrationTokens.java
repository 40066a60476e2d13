package dev.rotcal.jobs.tokens;

import dev.rotcal.artifact.Sha256;
import dev.rotcal.artifact.Storage;
import dev.rotcal.jobs.capture.SequenceBlocks;
import dev.rotcal.jobs.capture.TokenBlock;
import dev.rotcal.jobs.config.DataSettings;
import dev.rotcal.tokens.HuggingFaceTextTokenizer;
import dev.rotcal.tokens.InputFile;
import dev.rotcal.tokens.JsonlTokenSource;
import dev.rotcal.tokens.NpyTokenSource;
import dev.rotcal.tokens.SafetensorsTokenSource;
import dev.rotcal.tokens.TextTokenSource;
import dev.rotcal.tokens.TokenCorpus;
import dev.rotcal.tokens.TokenFormat;
import dev.rotcal.tokens.TokenWindows;
import dev.rotcal.tokens.WindowSampler;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Stage "tokens" (on the driver): reads the calibration corpus, checks its ids against the vocabulary, cuts
 * the seeded windows (DFRot: one random 2048-token window) and deals them into contiguous blocks, one per
 * capture task.
 *
 * @param windows the sampled windows
 * @param blocks  the windows in blocks of whole sequences
 * @param scales  the scales stage's own windows (never overlapping {@code windows}), or null when not asked for
 */
public record CalibrationTokens(TokenWindows windows, List<TokenBlock> blocks, TokenWindows scales) {

    public static CalibrationTokens load(Storage storage, DataSettings data, String tokenizerUri, int vocabSize,
                                         int maxBlocks) {
        return load(storage, data, tokenizerUri, vocabSize, maxBlocks, 0);
    }

    /**
     * @param scalesWindows the scales stage's windows (of the same length) to draw from the rest of the corpus after
     *                      DFRot's windows are taken out (seed + 1); 0 = none
     */
    public static CalibrationTokens load(Storage storage, DataSettings data, String tokenizerUri, int vocabSize,
                                         int maxBlocks, int scalesWindows) {
        TokenFormat format = switch (data.format()) {
            case AUTO -> TokenFormat.fromFileName(data.uri());
            case NPY -> TokenFormat.NPY;
            case SAFETENSORS -> TokenFormat.SAFETENSORS;
            case JSONL -> TokenFormat.JSONL;
            case TEXT -> TokenFormat.TEXT;
        };
        InputFile file = InputFile.of(storage, data.uri());
        TokenCorpus corpus = switch (format) {
            case NPY -> new NpyTokenSource().read(file);
            case SAFETENSORS -> new SafetensorsTokenSource().read(file);
            case JSONL -> new JsonlTokenSource().read(file);
            case TEXT -> {
                try (HuggingFaceTextTokenizer tokenizer = HuggingFaceTextTokenizer.open(
                        InputFile.of(storage, tokenizerUri))) {
                    yield new TextTokenSource(tokenizer, false).read(file);
                }
            }
        };
        corpus.checkVocabulary(vocabSize);
        TokenWindows windows = new WindowSampler(data.sequenceLength(), data.sequences(), data.seed()).sample(corpus);
        TokenWindows scales = scalesWindows == 0 ? null : new WindowSampler(data.sequenceLength(), scalesWindows,
                data.seed() + 1).sample(corpus.without(windows));
        return new CalibrationTokens(windows, blocks(windows, maxBlocks), scales);
    }

    /** SHA-256 of DFRot's windows' token ids (little-endian int32) and their length: the data fingerprint. */
    public String fingerprint() {
        ByteBuffer bytes = ByteBuffer.allocate(4 * windows.tokens().length + 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putInt(windows.sequenceLength());
        for (int id : windows.tokens()) {
            bytes.putInt(id);
        }
        return Sha256.of(bytes.array());
    }

    /** The same windows dealt into at most {@code maxBlocks} blocks (one capture task each). */
    public CalibrationTokens reblocked(int maxBlocks) {
        return new CalibrationTokens(windows, blocks(windows, maxBlocks), scales);
    }

    /** The scales stage's windows in at most {@code maxBlocks} blocks (one task each). */
    public List<TokenBlock> scalesBlocks(int maxBlocks) {
        return blocks(scales, maxBlocks);
    }

    private static List<TokenBlock> blocks(TokenWindows windows, int maxBlocks) {
        int n = windows.count();
        int seqLen = windows.sequenceLength();
        int[] sizes = SequenceBlocks.sizes(n, maxBlocks);
        List<TokenBlock> blocks = new ArrayList<>(sizes.length);
        for (int b = 0, first = 0; b < sizes.length; b++) {
            int size = sizes[b];
            int[] ids = new int[size];
            for (int i = 0; i < size; i++) {
                ids[i] = first + i;
            }
            blocks.add(new TokenBlock(b, ids, seqLen,
                    Arrays.copyOfRange(windows.tokens(), first * seqLen, (first + size) * seqLen)));
            first += size;
        }
        return blocks;
    }
}
