package dev.rotcal.model.safetensors;

/**
 * A checkpoint file's content is not what rotcal can use: a malformed safetensors header, an index.json
 * naming a missing shard, a tensor that is absent or has the wrong shape. The message is one line naming the
 * file and the problem.
 */
public class CheckpointFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Throws a {@link CheckpointFormatException} with the formatted message when {@code ok} is false. */
    public static void check(boolean ok, String format, Object... args) {
        if (!ok) {
            throw new CheckpointFormatException(String.format(format, args));
        }
    }
}
