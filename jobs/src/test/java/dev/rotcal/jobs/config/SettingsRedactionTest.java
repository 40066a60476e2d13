package dev.rotcal.jobs.config;

import static dev.rotcal.jobs.config.Settings.loader;
import static dev.rotcal.jobs.config.Settings.withInputs;
import static dev.rotcal.jobs.config.Settings.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotcal.artifact.SecretRedactor;
import dev.rotcal.jobs.testing.CapturedLogs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets set in rotcal.hadoop reach the Hadoop settings and nothing else: not the JSON, toString, logs or errors. */
class SettingsRedactionTest {
    private static final String SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
    private static final String ACCESS = "AKIAIOSFODNN7EXAMPLE";
    private static final String TOKEN = "FwoGZXIvYXdzEBYaDEXAMPLETOKEN";

    @TempDir
    Path dir;

    @Test
    void redactedJsonShowsNoSecret() {
        Path file = write(dir.resolve("s3.conf"), """
                rotcal.hadoop {
                  "fs.s3a.access.key" = "%s"
                  "fs.s3a.secret.key" = ${?AWS_SECRET_ACCESS_KEY}
                  "fs.s3a.session.token" = "%s"
                  "fs.s3a.aws.credentials.provider" = "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider"
                  "fs.s3a.endpoint.region" = us-east-1
                }
                """.formatted(ACCESS, TOKEN));
        RotcalSettings s;
        String logs;
        try (CapturedLogs captured = CapturedLogs.capture("dev.rotcal")) {
            s = loader(Map.of("AWS_SECRET_ACCESS_KEY", SECRET)).load(List.of(file), withInputs());
            logs = captured.text();
        }

        assertThat(s.hadoop()).as("the job still gets the real values").containsEntry("fs.s3a.secret.key", SECRET)
                .containsEntry("fs.s3a.access.key", ACCESS).containsEntry("fs.s3a.session.token", TOKEN);
        JsonNode hadoop = s.toRedactedTree().at("/rotcal/hadoop");
        assertThat(hadoop.get("fs.s3a.secret.key").asText()).isEqualTo(SecretRedactor.REDACTED);
        assertThat(hadoop.get("fs.s3a.access.key").asText()).isEqualTo(SecretRedactor.REDACTED);
        assertThat(hadoop.get("fs.s3a.session.token").asText()).isEqualTo(SecretRedactor.REDACTED);
        assertThat(hadoop.get("fs.s3a.aws.credentials.provider").asText()).as("a provider class is no secret")
                .isEqualTo("org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider");
        for (String text : List.of(s.toJson(), s.toString(), logs)) {
            assertThat(text).as("no secret in JSON, toString or logs").doesNotContain(SECRET).doesNotContain(ACCESS)
                    .doesNotContain(TOKEN);
        }
    }

    @Test
    void errorsAboutSecretKeysShowNoValue() {
        SettingsException badValue = catchThrowableOfType(() -> loader().load(List.of(),
                withInputs("rotcal.hadoop.fs.s3a.secret.key=[[\"" + SECRET + "\"]]")), SettingsException.class);
        SettingsException unknown = catchThrowableOfType(() -> loader().load(List.of(),
                withInputs("rotcal.model.password=" + SECRET)), SettingsException.class);

        assertThat(badValue.getMessage()).as("a malformed secret is named, not shown")
                .startsWith("Cannot use rotcal.hadoop.\"fs.s3a.secret.key\" = *****(redacted)").doesNotContain(SECRET);
        assertThat(unknown.getMessage()).startsWith("Cannot use rotcal.model.password = *****(redacted)")
                .doesNotContain(SECRET);
    }
}
