package dev.rotcal.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestTest {
    static Manifest sample() {
        return new Manifest(Manifest.SCHEMA_VERSION, "0.1.0", "run-1", "2026-01-31T12:00:00Z",
                new Manifest.Model("Llama-3.1-8B", "s3a://models/llama", Sha256.of(new byte[] {1})),
                new Manifest.Data(Sha256.of(new byte[] {2})), Map.of("r1_init", 42L, "sampling", 7L),
                Manifest.tree(Map.of("rotcal", Map.of("refine", Map.of("iterations", 100)))),
                Manifest.tree(Map.of("loss_before", 1.5, "loss_after", 0.75)),
                List.of(new ArtifactFile("rotation.safetensors", 10, Sha256.of(new byte[10]))));
    }

    @Test
    void roundTripsThroughSnakeCaseJson() throws Exception {
        Manifest manifest = sample();

        byte[] json = manifest.toJson();
        JsonNode tree = new ObjectMapper().readTree(json);

        assertThat(tree.fieldNames()).toIterable().as("the schema's field names, in order")
                .containsExactly("schema_version", "rotcal_version", "run_id", "created_at", "model", "data", "seeds",
                        "config", "summary", "files");
        assertThat(tree.path("model").path("fingerprint").asText()).as("nested records are snake_case JSON objects")
                .hasSize(64);
        assertThat(tree.path("files").get(0).path("sha256").asText()).hasSize(64);
        assertThat(Manifest.read(json, "test")).as("reading what was written gives the same manifest")
                .isEqualTo(manifest);
    }

    @Test
    void ignoresUnknownFieldsButRefusesNewerSchemas() throws Exception {
        String json = new String(sample().toJson(), StandardCharsets.UTF_8);
        String withExtra = json.replaceFirst("\\{", "{\"added_later\": true,");
        assertThat(Manifest.read(withExtra.getBytes(StandardCharsets.UTF_8), "m").runId())
                .as("an added field does not break older readers").isEqualTo("run-1");

        String newer = json.replace("\"schema_version\" : 1", "\"schema_version\" : 2");
        assertThatThrownBy(() -> Manifest.read(newer.getBytes(StandardCharsets.UTF_8), "s3a://b/m/r/manifest.json"))
                .as("a newer schema may change meanings, so it is refused")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Cannot read manifest s3a://b/m/r/manifest.json: schema_version 2 is newer than this rotcal "
                        + "reads (1) (upgrade rotcal)");
        assertThatThrownBy(() -> Manifest.read("{not json".getBytes(StandardCharsets.UTF_8), "x"))
                .as("garbage is a one-line 'Cannot read manifest' error")
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Cannot read manifest x: it is not JSON")
                .hasMessageNotContaining("\n");
    }
}
