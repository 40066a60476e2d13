package dev.rotcal.tokens;

/**
 * Reads the token ids of a calibration file. Implementations: {@link NpyTokenSource},
 * {@link SafetensorsTokenSource}, {@link JsonlTokenSource}, {@link TextTokenSource}; {@link TokenFormat}
 * tells them apart by file name. A malformed file fails with one line naming the file and the problem
 * ({@link IllegalArgumentException}); an I/O failure is an {@link java.io.UncheckedIOException}.
 */
public interface TokenSource {

    /** All token ids of {@code file}. */
    TokenCorpus read(InputFile file);
}
