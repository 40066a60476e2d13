package dev.rotcal.jobs.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads URI settings (rotcal.model.uri, rotcal.output.uri, …): no credentials in them, a bucket for object
 * stores, a valid Hadoop path; relative file: URIs are made absolute against the working directory (Hadoop's
 * Path refuses "file:./out") and trailing slashes are removed.
 */
final class UriSettings {
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):(.*)$");
    private static final Pattern USER_INFO = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://[^/@]*@");
    /** Schemes whose URIs must name a bucket or container: scheme://bucket/path. */
    private static final List<String> BUCKET_SCHEMES = List.of("s3a", "s3", "s3n", "gs", "abfs", "abfss", "wasb",
            "wasbs", "oss", "cosn");

    private final SettingsReader reader;
    private final Path workingDirectory;

    UriSettings(SettingsReader reader, Path workingDirectory) {
        this.reader = reader;
        this.workingDirectory = workingDirectory;
    }

    /** The URI at {@code key}, normalized; "" when unset. */
    String read(String key) {
        String uri = reader.string(key).strip();
        if (uri.isEmpty()) {
            return uri;
        }
        if (USER_INFO.matcher(uri).find()) {
            throw reader.invalid(key, "it embeds credentials", "put them in rotcal.hadoop, e.g. \"fs.s3a.access.key\","
                    + " or better use a credentials provider");
        }
        Matcher scheme = SCHEME.matcher(uri);
        if (scheme.matches() && scheme.group(1).length() > 1) { // a one-letter "scheme" is a Windows drive
            String name = scheme.group(1).toLowerCase(Locale.ROOT);
            String rest = scheme.group(2);
            if (name.equals("file") && !rest.startsWith("/")) {
                uri = "file:" + workingDirectory.resolve(rest).normalize();
            } else if (BUCKET_SCHEMES.contains(name)
                    && !(rest.startsWith("//") && rest.length() > 2 && rest.charAt(2) != '/')) {
                throw reader.invalid(key, "the URI names no bucket", "write " + name + "://<bucket>/<path>; an unset"
                        + " ${?VAR} in an overlay leaves it empty");
            }
        }
        while (uri.endsWith("/") && !uri.endsWith("//") && !uri.endsWith(":/") && uri.length() > 1) {
            uri = uri.substring(0, uri.length() - 1);
        }
        try {
            new org.apache.hadoop.fs.Path(uri);
        } catch (IllegalArgumentException e) {
            throw reader.invalid(key, "it is not a valid Hadoop path: " + e.getMessage(), "check the URI");
        }
        return uri;
    }
}
