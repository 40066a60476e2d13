package dev.rotcal.jobs;

import dev.rotcal.artifact.SecretRedactor;
import dev.rotcal.jobs.config.SettingsException;
import java.util.Collection;
import java.util.Optional;

/**
 * Turns whatever stopped a command into what the user sees: one line and an exit code. Mistakes in the input
 * (settings, files, data) exit with 2; anything else with 1. Failures inside Spark tasks reach the driver as a
 * SparkException whose message embeds the executor's exception text, so the "Cannot …" line of rotcal's own
 * message is dug out of it. Known secret values are scrubbed from the line.
 */
public final class CliErrors {
    public static final int INPUT = 2;
    public static final int FAILURE = 1;

    private CliErrors() {
    }

    /** @param line the single line to print; @param exitCode its exit code */
    public record Report(String line, int exitCode) {
    }

    public static Report report(Throwable error, Collection<String> secrets) {
        Throwable inputError = inputError(error);
        if (inputError != null) {
            return new Report(scrub(firstLine(inputError.getMessage()), secrets), INPUT);
        }
        Optional<String> rotcalLine = cannotLine(error);
        if (rotcalLine.isPresent()) {
            return new Report(scrub(rotcalLine.get(), secrets), INPUT);
        }
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : firstLine(error.getMessage());
        return new Report(scrub("Cannot complete the command: " + message, secrets), FAILURE);
    }

    /** The first cause that is a mistake in the input: settings, bad data, malformed files. */
    private static Throwable inputError(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SettingsException || t instanceof BadInputException
                    || t instanceof IllegalArgumentException) {
                return t;
            }
        }
        return null;
    }

    /** The first "Cannot …" line in the messages of the cause chain (executor failures are embedded text). */
    private static Optional<String> cannotLine(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message == null) {
                continue;
            }
            int at = message.indexOf("Cannot ");
            if (at >= 0) {
                return Optional.of(firstLine(message.substring(at)));
            }
        }
        return Optional.empty();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).trim();
    }

    private static String scrub(String line, Collection<String> secrets) {
        return SecretRedactor.scrub(line, secrets);
    }
}
