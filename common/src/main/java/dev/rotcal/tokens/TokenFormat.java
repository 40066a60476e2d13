package dev.rotcal.tokens;

import static dev.rotcal.Checks.checkArgument;

import java.util.Locale;

/** The calibration-token file formats, recognised by file name. */
public enum TokenFormat {
    /** NumPy .npy, int32 or int64, C order, [n_tokens] or [n_seq, seq_len]. */
    NPY,
    /** A safetensors file holding an I32 or I64 tensor of token ids. */
    SAFETENSORS,
    /** JSON Lines: one array of ids, or one object with "input_ids", per line. */
    JSONL,
    /** Plain UTF-8 text, tokenized with the model's tokenizer.json. */
    TEXT;

    /** The format of a file named {@code name}: .npy, .safetensors, .jsonl/.json, .txt/.text/.md. */
    public static TokenFormat fromFileName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".npy")) {
            return NPY;
        }
        if (lower.endsWith(".safetensors")) {
            return SAFETENSORS;
        }
        if (lower.endsWith(".jsonl") || lower.endsWith(".json")) {
            return JSONL;
        }
        checkArgument(lower.endsWith(".txt") || lower.endsWith(".text") || lower.endsWith(".md"), "Cannot tell the"
                + " token format of %s from its name (use .npy, .safetensors, .jsonl or .txt, or set the format)",
                name);
        return TEXT;
    }
}
