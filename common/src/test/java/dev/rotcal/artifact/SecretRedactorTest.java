package dev.rotcal.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SecretRedactorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void redactsSecretsAnywhereInANestedConfigTree() throws Exception {
        JsonNode config = JSON.readTree("""
                {
                  "spark": {"hadoop": {
                    "fs.s3a.access.key": "AKIAEXAMPLE",
                    "fs.s3a.secret.key": "wJalrXUtnFEMI",
                    "fs.s3a.session.token": "FwoGZXIvYXdzEA",
                    "fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
                    "fs.s3a.endpoint": "http://127.0.0.1:9000"
                  }},
                  "fs": {"s3a": {"secret": {"key": "nested-secret"}}},
                  "db": {"password": "hunter22", "user": "rotcal"},
                  "hf": {"token": "hf_abcdef", "auth-token": "xyz1234"},
                  "rotcal": {
                    "model": {"uri": "s3a://AKIAEXAMPLE:wJalrXUtnFEMI@bucket/llama"},
                    "data": {"tokens": "s3a://bucket/tokens", "max-tokens": 2048},
                    "refine": {"massive-token-alpha": 100.0, "seeds": [1, 2]},
                    "client-secret": {"a": 1, "b": [1, 2]}
                  }
                }
                """);

        JsonNode redacted = SecretRedactor.redact(config);

        JsonNode hadoop = redacted.path("spark").path("hadoop");
        assertThat(hadoop.path("fs.s3a.access.key").asText()).as("access key").isEqualTo(SecretRedactor.REDACTED);
        assertThat(hadoop.path("fs.s3a.secret.key").asText()).as("secret key").isEqualTo(SecretRedactor.REDACTED);
        assertThat(hadoop.path("fs.s3a.session.token").asText()).as("session token").isEqualTo(SecretRedactor.REDACTED);
        assertThat(redacted.path("fs").path("s3a").path("secret").asText())
                .as("a secret split into nested objects is redacted as a whole").isEqualTo(SecretRedactor.REDACTED);
        assertThat(redacted.path("db").path("password").asText()).as("password").isEqualTo(SecretRedactor.REDACTED);
        assertThat(redacted.path("hf").path("token").asText()).as("a bare token key").isEqualTo(SecretRedactor.REDACTED);
        assertThat(redacted.path("hf").path("auth-token").asText()).as("auth token").isEqualTo(SecretRedactor.REDACTED);
        assertThat(redacted.path("rotcal").path("client-secret").asText())
                .as("an object under a secret key is replaced entirely").isEqualTo(SecretRedactor.REDACTED);
        assertThat(redacted.path("rotcal").path("model").path("uri").asText())
                .as("credentials inside a URI are removed, the rest is kept")
                .isEqualTo("s3a://" + SecretRedactor.REDACTED + "@bucket/llama");

        assertThat(hadoop.path("fs.s3a.aws.credentials.provider").asText())
                .as("the credentials provider is a class name, not a secret")
                .isEqualTo("org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        assertThat(hadoop.path("fs.s3a.endpoint").asText()).as("endpoints are kept").isEqualTo("http://127.0.0.1:9000");
        assertThat(redacted.path("db").path("user").asText()).as("user names are kept").isEqualTo("rotcal");
        assertThat(redacted.path("rotcal").path("data").path("tokens").asText())
                .as("calibration token settings are not secrets").isEqualTo("s3a://bucket/tokens");
        assertThat(redacted.path("rotcal").path("data").path("max-tokens").asInt()).isEqualTo(2048);
        assertThat(redacted.path("rotcal").path("refine").path("massive-token-alpha").asDouble())
                .as("massive-token settings are not secrets").isEqualTo(100.0);
        assertThat(redacted.toString()).as("no secret value survives anywhere")
                .doesNotContain("AKIAEXAMPLE", "wJalrXUtnFEMI", "FwoGZXIvYXdzEA", "nested-secret", "hunter22",
                        "hf_abcdef", "xyz1234");
        assertThat(config.path("db").path("password").asText()).as("the input tree is not modified")
                .isEqualTo("hunter22");
    }

    @Test
    void redactsNestedMapsToo() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("secret.key", "s3cr3t-value");
        inner.put("endpoint", "http://127.0.0.1:1");
        Map<String, Object> settings = Map.of("fs.s3a", inner, "list", List.of(Map.of("password", "pw-in-a-list")));

        Map<String, Object> redacted = SecretRedactor.redact(settings);

        assertThat(redacted.toString()).as("secrets in nested maps and lists are redacted")
                .doesNotContain("s3cr3t-value", "pw-in-a-list").contains("http://127.0.0.1:1");
    }

    @Test
    void scrubsKnownSecretValuesOutOfMessagesOnOneLine() {
        Map<String, String> hadoopConf = Map.of("fs.s3a.access.key", "AKIDTEST", "fs.s3a.secret.key", "very/secret+key",
                "fs.s3a.endpoint", "http://127.0.0.1:1234");
        Set<String> secrets = SecretRedactor.secretValues(hadoopConf);

        String message = SecretRedactor.scrub(
                "Cannot read s3a://bucket/x: signature for very/secret+key and AKIDTEST did not match\n  at line 2", secrets);

        assertThat(secrets).as("only values of secret keys are collected").containsExactlyInAnyOrder("AKIDTEST",
                "very/secret+key");
        assertThat(message).as("secrets are replaced, the message stays one line")
                .isEqualTo("Cannot read s3a://bucket/x: signature for " + SecretRedactor.REDACTED + " and "
                        + SecretRedactor.REDACTED + " did not match at line 2");
        assertThat(SecretRedactor.scrub("open s3a://AK:SK@bucket/k failed", Set.of()))
                .as("URI credentials are scrubbed even when not known")
                .isEqualTo("open s3a://" + SecretRedactor.REDACTED + "@bucket/k failed");
    }
}
