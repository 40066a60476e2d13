package dev.rotcal.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactPublisherTest {
    @TempDir
    Path dir;

    private final Storage storage = new LocalStorage();

    private ArtifactLayout layout(String runId) {
        return new ArtifactLayout("file:" + dir + "/out", "Tiny-LM", runId);
    }

    /** A run shaped like the real one: rotation, two layer files, JSON, HTML. */
    static Manifest publishSample(Storage storage, ArtifactLayout layout, boolean overwrite, String flavour)
            throws IOException {
        try (ArtifactPublisher publisher = ArtifactPublisher.begin(storage, layout, overwrite)) {
            publisher.write(ArtifactLayout.ROTATION, out -> {
                byte[] block = new byte[4096];
                for (int i = 0; i < 64; i++) {
                    block[i] = (byte) i;
                    out.write(block);
                }
            });
            publisher.write(ArtifactLayout.layerFile(0), ("layer 0 " + flavour).getBytes(StandardCharsets.UTF_8));
            publisher.write(ArtifactLayout.layerFile(1), ("layer 1 " + flavour).getBytes(StandardCharsets.UTF_8));
            publisher.write(ArtifactLayout.MASSIVE_TOKENS, "[]".getBytes(StandardCharsets.UTF_8));
            publisher.write(ArtifactLayout.METRICS, "{\"loss\": 0.5}".getBytes(StandardCharsets.UTF_8));
            publisher.write(ArtifactLayout.REPORT, "<html></html>".getBytes(StandardCharsets.UTF_8));
            return publisher.commit(draft(layout.runId(), Map.of("rotcal", Map.of("flavour", flavour))));
        }
    }

    @Test
    void aSuccessfulPublishRemovesTheRunIdsStaleAttemptsAndKeepsOtherRuns() throws IOException {
        ArtifactLayout layout = layout("run-9");
        String stale = layout.stagingUri("dead1");
        String other = layout("run-10").stagingUri("live2");
        for (String dir : new String[] {stale, other}) {
            try (java.io.OutputStream out = storage.create(dir + "/rotation.safetensors", false)) {
                out.write(new byte[] {1, 2, 3});
            }
        }

        publishSample(storage, layout, false, "a");

        assertThat(storage.exists(stale)).as("an attempt a killed driver left can never publish: removed").isFalse();
        assertThat(storage.exists(other + "/rotation.safetensors")).as("another run id's staging stays").isTrue();
    }

    static Manifest draft(String runId, Object config) {
        return Manifest.draft("0.1.0-test", runId, new Manifest.Model("Tiny-LM", "file:/models/tiny", Sha256.of(new byte[0])),
                new Manifest.Data(Sha256.of(new byte[] {1})), Map.of("r1_init", 42L), Manifest.tree(config),
                Manifest.tree(Map.of("loss_after", 0.5)));
    }

    @Test
    void publishedRunVerifiesAndListsEveryFileWithSizeAndSha256() throws IOException {
        ArtifactLayout layout = layout("run-1");

        Manifest manifest = publishSample(storage, layout, false, "a");
        VerificationReport report = new ArtifactVerifier(storage).verify(layout.runUri());

        assertThat(report.problems()).as("a fresh run must verify cleanly").isEmpty();
        assertThat(report.ok()).isTrue();
        assertThat(report.filesChecked()).as("every staged file is listed and checked").isEqualTo(6);
        assertThat(manifest.files()).extracting(ArtifactFile::path).as("files are listed by relative path, sorted")
                .containsExactly("layers/layer-000.safetensors", "layers/layer-001.safetensors", "massive_tokens.json",
                        "metrics.json", "report.html", "rotation.safetensors");
        assertThat(manifest.file(ArtifactLayout.ROTATION).bytes()).as("sizes are counted while streaming")
                .isEqualTo(64 * 4096);
        try (InputStream in = storage.open(layout.rotationUri())) {
            assertThat(manifest.file(ArtifactLayout.ROTATION).sha256()).as("the streamed sha256 is the file's")
                    .isEqualTo(Sha256.of(in).sha256());
        }
        try (InputStream in = storage.open(layout.manifestUri())) {
            assertThat(Manifest.read(in, layout.manifestUri())).as("manifest.json holds what commit returned")
                    .isEqualTo(manifest);
        }
        assertThat(storage.exists(layout.successUri())).as("_SUCCESS marks the run trusted").isTrue();
        assertThat(storage.exists(layout.stagingRootUri())).as("staging is cleaned up after the commit").isFalse();
        assertThat(report.summary()).startsWith("OK: run run-1 at ");
    }

    @Test
    void tamperedMissingAndUnlistedFilesAreReportedOneLineEach() throws IOException {
        ArtifactLayout layout = layout("run-2");
        Manifest manifest = publishSample(storage, layout, false, "a");

        try (OutputStream out = storage.create(layout.layerUri(0), true)) {
            out.write("layer 0 b".getBytes(StandardCharsets.UTF_8)); // same length, other bytes
        }
        storage.delete(layout.metricsUri());
        try (OutputStream out = storage.create(layout.uri("extra.txt"), false)) {
            out.write(1);
        }
        VerificationReport report = new ArtifactVerifier(storage).verify(layout.runUri());

        assertThat(report.ok()).as("a modified run must fail verification").isFalse();
        assertThat(report.problems()).as("one line per problem, naming the file")
                .containsExactly(
                        "layers/layer-000.safetensors: sha256 " + Sha256.of("layer 0 b".getBytes(StandardCharsets.UTF_8))
                                + ", but the manifest says " + manifest.file(ArtifactLayout.layerFile(0)).sha256(),
                        "metrics.json: missing (listed in the manifest)",
                        "extra.txt: present but not listed in the manifest");
        assertThat(report.problems()).allSatisfy(p -> assertThat(p).doesNotContain("\n"));
    }

    @Test
    void runWithoutSuccessOrManifestIsNotTrusted() throws IOException {
        ArtifactLayout layout = layout("run-3");
        publishSample(storage, layout, false, "a");

        storage.delete(layout.successUri());
        assertThat(new ArtifactVerifier(storage).verify(layout.runUri()).problems())
                .as("without _SUCCESS a run is incomplete").containsExactly(
                        "_SUCCESS: missing (the publication did not finish; do not use this run)");
        storage.delete(layout.manifestUri());
        assertThat(new ArtifactVerifier(storage).verify(layout.runUri()).problems())
                .as("without a manifest there is nothing to trust").containsExactly(
                        "manifest.json: missing (not a published run, or its publication did not finish)");
    }

    @Test
    void refusesToReplaceAPublishedRunUnlessOverwrite() throws IOException {
        ArtifactLayout layout = layout("run-4");
        publishSample(storage, layout, false, "first");

        assertThatThrownBy(() -> publishSample(storage, layout, false, "second"))
                .as("a published run is not replaced by accident").isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Cannot publish run run-4: " + layout.runUri() + " already holds a published run "
                        + "(manifest.json present); pass --set rotcal.output.overwrite=true or choose another run id");
        assertThat(storage.exists(layout.stagingRootUri())).as("a refused publication stages nothing").isFalse();

        Manifest second = publishSample(storage, layout, true, "second");
        assertThat(second.config().path("rotcal").path("flavour").asText()).as("overwrite replaces the run")
                .isEqualTo("second");
        assertThat(new ArtifactVerifier(storage).verify(layout.runUri()).ok())
                .as("the replaced run verifies: no file of the old run is left over").isTrue();
    }

    @Test
    void refusesAtCommitWhenAnotherRunWasPublishedMeanwhile() throws IOException {
        ArtifactLayout layout = layout("run-5");
        try (ArtifactPublisher late = ArtifactPublisher.begin(storage, layout, false)) {
            late.write(ArtifactLayout.METRICS, "{}".getBytes(StandardCharsets.UTF_8));
            publishSample(storage, layout, false, "early");

            assertThatThrownBy(() -> late.commit(draft("run-5", Map.of())))
                    .as("the commit checks again").hasMessageStartingWith("Cannot publish run run-5: ");
        }
        assertThat(new ArtifactVerifier(storage).verify(layout.runUri()).ok())
                .as("the refused commit leaves the published run intact").isTrue();
        assertThat(storage.exists(layout.stagingRootUri())).as("closing the refused publisher removes its staging")
                .isFalse();
    }

    @Test
    void failingWriterLeavesNothingBehind() throws IOException {
        ArtifactLayout layout = layout("run-6");
        assertThatThrownBy(() -> {
            try (ArtifactPublisher publisher = ArtifactPublisher.begin(storage, layout, false)) {
                publisher.write(ArtifactLayout.ROTATION, new byte[100]);
                publisher.write(ArtifactLayout.layerFile(0), out -> {
                    out.write(new byte[10]);
                    throw new IOException("Cannot compute layer 0: out of memory (test)");
                });
            }
        }).hasMessage("Cannot compute layer 0: out of memory (test)");

        assertThat(storage.exists(layout.runUri())).as("no run directory appears before a commit").isFalse();
        assertThat(storage.exists(layout.modelUri() + "/_staging")).as("the staging files are deleted").isFalse();
    }

    @Test
    void failureMidCommitLeavesNoManifestOrSuccess() throws IOException {
        ArtifactLayout layout = layout("run-7");
        Storage failing = new FailingRenameStorage(3); // the third file's move fails

        assertThatThrownBy(() -> publishSample(failing, layout, false, "a"))
                .as("the storage failure reaches the caller").isInstanceOf(IOException.class)
                .hasMessageContaining("injected failure");

        assertThat(storage.exists(layout.manifestUri())).as("no manifest after a failed commit").isFalse();
        assertThat(storage.exists(layout.successUri())).as("no _SUCCESS after a failed commit").isFalse();
        assertThat(storage.exists(layout.runUri())).as("files already moved are deleted again").isFalse();
        assertThat(storage.exists(layout.stagingRootUri())).as("staging is deleted").isFalse();

        Manifest retried = publishSample(storage, layout, false, "a");
        assertThat(retried.files()).as("a failed commit does not block a retry of the same run id").hasSize(6);
    }

    @Test
    void leftoversOfACrashedCommitAreReplacedWithoutOverwrite() throws IOException {
        ArtifactLayout layout = layout("run-8");
        try (OutputStream out = storage.create(layout.uri("stale.bin"), false)) {
            out.write(1); // as if the driver died while moving files: no manifest
        }

        publishSample(storage, layout, false, "a");

        assertThat(storage.exists(layout.uri("stale.bin"))).as("a run directory without manifest is not a run")
                .isFalse();
        assertThat(new ArtifactVerifier(storage).verify(layout.runUri()).ok()).isTrue();
    }

    @Test
    void filesWrittenElsewhereAreAdoptedAndReservedNamesRefused() throws IOException {
        ArtifactLayout layout = layout("run-9");
        try (ArtifactPublisher publisher = ArtifactPublisher.begin(storage, layout, false)) {
            ArtifactFile fromExecutor = ArtifactPublisher.writeStaged(storage, publisher.stagingUri(),
                    ArtifactLayout.layerFile(3), out -> out.write(new byte[33]));
            publisher.adopt(fromExecutor);

            assertThatThrownBy(() -> publisher.write(ArtifactLayout.MANIFEST, new byte[1]))
                    .as("the commit writes the manifest").isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> publisher.write("_SUCCESS", new byte[1]))
                    .as("markers are reserved").hasMessageContaining("reserved");
            assertThatThrownBy(() -> publisher.write(ArtifactLayout.layerFile(3), new byte[1]))
                    .as("a path is staged once").isInstanceOf(Exception.class);

            Manifest manifest = publisher.commit(draft("run-9", Map.of()));
            assertThat(manifest.file(ArtifactLayout.layerFile(3)).bytes()).as("adopted files are listed").isEqualTo(33);
        }
        assertThat(Files.size(dir.resolve("out/Tiny-LM/run-9/layers/layer-003.safetensors"))).isEqualTo(33);
    }

    @Test
    void manifestConfigIsRedactedEvenWhenTheCallerForgets() throws IOException {
        ArtifactLayout layout = layout("run-10");
        try (ArtifactPublisher publisher = ArtifactPublisher.begin(storage, layout, false)) {
            publisher.write(ArtifactLayout.METRICS, "{}".getBytes(StandardCharsets.UTF_8));
            publisher.commit(draft("run-10", Map.of("spark", Map.of("hadoop", Map.of(
                    "fs.s3a.secret.key", "do-not-publish-me", "fs.s3a.endpoint", "http://127.0.0.1:1")))));
        }
        String json;
        try (InputStream in = storage.open(layout.manifestUri())) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(json).as("the secret never reaches manifest.json").doesNotContain("do-not-publish-me")
                .contains(SecretRedactor.REDACTED).contains("http://127.0.0.1:1");
    }
}
