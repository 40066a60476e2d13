package dev.rotcal.jobs.config;

/**
 * A configuration or input mistake found before any Spark work: an unknown key, a value of the wrong type or
 * out of range, a missing input, an output that already holds a published run. The message is one line,
 * "Cannot &lt;do X&gt;: &lt;why&gt; (&lt;hint&gt;)", names the key and the value (never a secret), and the
 * command line exits with {@link #EXIT_CODE}.
 */
public final class SettingsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The process exit code for a settings or input mistake (sysexits' EX_USAGE is 64; 2 is the CLI norm). */
    public static final int EXIT_CODE = 2;

    public SettingsException(String message) {
        super(oneLine(message));
    }

    public SettingsException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** {@value #EXIT_CODE}. */
    public int exitCode() {
        return EXIT_CODE;
    }

    private static String oneLine(String message) {
        return message == null ? null : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
