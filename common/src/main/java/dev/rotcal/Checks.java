package dev.rotcal;

/**
 * Precondition checks in the project's error style.
 *
 * <p>{@link #checkArgument} is for caller and configuration mistakes: the message must say what could not
 * be done, why, and how to fix it ("Cannot build a Hadamard matrix of order 100: ..."). {@link #checkState}
 * is for rotcal's own invariants; its messages start with "[BUG]". Java {@code assert} is never used.
 */
public final class Checks {
    private Checks() {
    }

    /** Throws {@link IllegalArgumentException} with the formatted message when {@code ok} is false. */
    public static void checkArgument(boolean ok, String format, Object... args) {
        if (!ok) {
            throw new IllegalArgumentException(String.format(format, args));
        }
    }

    /** Throws {@link IllegalStateException} ("[BUG] ...") when an internal invariant does not hold. */
    public static void checkState(boolean ok, String format, Object... args) {
        if (!ok) {
            throw new IllegalStateException("[BUG] " + String.format(format, args));
        }
    }
}
