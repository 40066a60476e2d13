package dev.rotcal.artifact;

import static dev.rotcal.Checks.checkArgument;

import java.util.regex.Pattern;

/**
 * Where a run's files live: the serving teams' contract (DESIGN.md §3), version 1.
 * <pre>
 * &lt;output-uri&gt;/&lt;model-name&gt;/&lt;run-id&gt;/
 *   manifest.json  rotation.safetensors  layers/layer-{i:03d}.safetensors
 *   massive_tokens.json  metrics.json  report.html  _SUCCESS
 * &lt;output-uri&gt;/&lt;model-name&gt;/_staging/&lt;run-id&gt;-&lt;attempt&gt;/   (while publishing)
 * </pre>
 *
 * <p><b>Staging.</b> Files are written under {@code _staging}, a sibling of the runs, not inside the run
 * directory: during the long part of a run (writing layer files) the run directory does not exist at all, so
 * an unfinished or crashed run never shows up there, and overwriting a published run cannot delete the
 * staging files of the attempt that replaces it. At commit the files are moved into the run directory (on S3
 * each move is a copy, so this is not atomic), then manifest.json, then _SUCCESS are written. A consumer
 * trusts a run only when both manifest.json and _SUCCESS are present; names starting with '_' or '.' are
 * never runs (Hadoop's hidden-file convention).
 */
public record ArtifactLayout(String outputUri, String modelName, String runId) {
    public static final int LAYOUT_VERSION = 1;

    public static final String MANIFEST = "manifest.json";
    public static final String SUCCESS = "_SUCCESS";
    public static final String ROTATION = "rotation.safetensors";
    public static final String LAYERS_DIR = "layers";
    public static final String MASSIVE_TOKENS = "massive_tokens.json";
    public static final String METRICS = "metrics.json";
    public static final String REPORT = "report.html";
    public static final String STAGING_DIR = "_staging";
    /** {@code <model>/_checkpoints/<run-id>/}: a run's refine checkpoint and its lease, until it is published. */
    public static final String CHECKPOINTS_DIR = "_checkpoints";
    private static final Pattern STAGING_ATTEMPT = Pattern.compile("^(.+)-([A-Za-z0-9]+)$");

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
    private static final Pattern USER_INFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@");

    public ArtifactLayout {
        checkArgument(outputUri != null && !outputUri.isBlank(),
                "Cannot lay out a run: the output URI is empty (set the output URI, e.g. s3a://bucket/rotcal)");
        checkArgument(!USER_INFO.matcher(outputUri).find(),
                "Cannot use output URI %s: it embeds credentials (put them in the fs.s3a.* settings instead)",
                withoutUserInfo(outputUri));
        outputUri = trimTrailingSlashes(outputUri);
        checkName("model name", modelName, "the last part of a Hugging Face id, e.g. Llama-3.1-8B");
        checkName("run id", runId, "e.g. 2026-01-31T12-00-00Z or a scheduler's run id");
    }

    /** {@code layers/layer-007.safetensors}: the relative path of layer {@code layer}'s scale file. */
    public static String layerFile(int layer) {
        checkArgument(layer >= 0, "Cannot name the file of layer %d: layer indices start at 0", layer);
        return String.format("%s/layer-%03d.safetensors", LAYERS_DIR, layer);
    }

    /** {@code <output-uri>/<model-name>}: the directory holding all runs of the model. */
    public String modelUri() {
        return outputUri + "/" + modelName;
    }

    /** {@code <output-uri>/<model-name>/<run-id>}: the run directory. */
    public String runUri() {
        return modelUri() + "/" + runId;
    }

    /** A file of the run by its path relative to the run directory. */
    public String uri(String relativePath) {
        checkRelativePath(relativePath);
        return runUri() + "/" + relativePath;
    }

    public String manifestUri() {
        return uri(MANIFEST);
    }

    public String successUri() {
        return uri(SUCCESS);
    }

    public String rotationUri() {
        return uri(ROTATION);
    }

    public String layerUri(int layer) {
        return uri(layerFile(layer));
    }

    public String massiveTokensUri() {
        return uri(MASSIVE_TOKENS);
    }

    public String metricsUri() {
        return uri(METRICS);
    }

    public String reportUri() {
        return uri(REPORT);
    }

    /** The parent of every attempt's staging directory. */
    public String stagingRootUri() {
        return modelUri() + "/" + STAGING_DIR;
    }

    /** {@code <output-uri>/<model-name>/_checkpoints/<run-id>}: this run's checkpoint folder. */
    public String checkpointsUri() {
        return modelUri() + "/" + CHECKPOINTS_DIR + "/" + runId;
    }

    /**
     * The run id of a staging attempt's folder name ({@code <run-id>-<attempt>}, the attempt letters and digits as
     * {@link #stagingUri} takes them), or empty for any other name. Unlike a prefix match, run "a" does not claim the
     * attempts of run "a-b".
     */
    public static java.util.Optional<String> runIdOfStagingAttempt(String folderName) {
        java.util.regex.Matcher m = STAGING_ATTEMPT.matcher(folderName);
        return m.matches() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
    }

    /** {@code <output-uri>/<model-name>/_staging/<run-id>-<attempt>}: one publishing attempt's staging dir. */
    public String stagingUri(String attempt) {
        checkName("staging attempt", attempt, "letters and digits");
        return stagingRootUri() + "/" + runId + "-" + attempt;
    }

    /**
     * Checks a path relative to a run directory: '/'-separated segments, none empty, '.' or '..', and no
     * leading '/'.
     */
    public static void checkRelativePath(String path) {
        checkArgument(path != null && !path.isEmpty(), "Cannot use an empty relative path in a run");
        checkArgument(!path.startsWith("/") && !path.contains("\\") && !path.contains("//"),
                "Cannot use '%s' as a path in a run: it must be relative and '/'-separated (e.g. layers/layer-000.safetensors)",
                path);
        for (String segment : path.split("/", -1)) {
            checkArgument(!segment.isEmpty() && !segment.equals(".") && !segment.equals(".."),
                    "Cannot use '%s' as a path in a run: segment '%s' is not allowed (no '.', '..' or empty segments)",
                    path, segment);
        }
    }

    /** The URI with any {@code user:password@} part replaced, for messages. */
    public static String withoutUserInfo(String uri) {
        return uri == null ? null : USER_INFO.matcher(uri).replaceFirst("$1" + SecretRedactor.REDACTED + "@");
    }

    private static void checkName(String what, String value, String example) {
        checkArgument(value != null && NAME.matcher(value).matches(),
                "Cannot use %s '%s': it must be one path segment of letters, digits, '.', '_' and '-' that starts "
                        + "with a letter or digit, at most 200 characters (%s)", what, value, example);
    }

    private static String trimTrailingSlashes(String uri) {
        String trimmed = uri;
        while (trimmed.endsWith("/") && !trimmed.endsWith(":/") && !trimmed.endsWith("://")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed;
    }
}
