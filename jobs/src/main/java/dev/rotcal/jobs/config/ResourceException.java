package dev.rotcal.jobs.config;

/**
 * The run does not fit the memory (or disk) it was given: found before any Spark work by the memory preflight
 * ({@link MemoryBudget}). The message is one line naming the stage, the need, the setting and the fix; the command
 * line exits with {@link dev.rotcal.jobs.CliErrors#RESOURCES} — the input is fine, the resources are not, and retrying
 * unchanged does not help.
 */
public final class ResourceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ResourceException(String message) {
        super(message == null ? null : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip());
    }
}
