package dev.rotcal.jobs;

/**
 * Input that rotcal cannot calibrate on, found while the job runs (a NaN row in a checkpoint's output or an
 * activation dump, a corrupt shard on S3): a one-line "Cannot …" message for the user, exit code 2, and
 * nothing published.
 */
public final class BadInputException extends RuntimeException {
    public static final int EXIT_CODE = 2;

    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
