package dev.rotcal.model.safetensors;

/**
 * A checkpoint file's content is not what rotcal can use: a malformed safetensors header, an index.json
 * naming a missing shard, a tensor that is absent or has the wrong shape. The message is one line naming the
 * file and the problem (control characters from the file, e.g. a tensor name with a line break, are escaped).
 */
public class CheckpointFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public CheckpointFormatException(String message) {
        super(OneLine.of(message));
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(OneLine.of(message), cause);
    }

    /** Throws a {@link CheckpointFormatException} with the formatted message when {@code ok} is false. */
    public static void check(boolean ok, String format, Object... args) {
        if (!ok) {
            throw new CheckpointFormatException(String.format(format, args));
        }
    }
}
