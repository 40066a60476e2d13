package dev.rotcal.jobs.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.ArtifactPublisher;
import dev.rotcal.artifact.ArtifactVerifier;
import dev.rotcal.artifact.LocalStorage;
import dev.rotcal.artifact.Manifest;
import dev.rotcal.artifact.Sha256;
import dev.rotcal.artifact.StorageEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HadoopStorage on file: URIs and plain paths behaves like LocalStorage. */
class HadoopStorageLocalTest {
    @TempDir
    Path dir;

    @Test
    void localFilesThroughHadoopMatchLocalStorage() throws IOException {
        try (HadoopStorage hadoop = HadoopStorage.of(Map.of())) {
            HadoopStorageS3Test.write(hadoop, "file:" + dir + "/x/a.txt", "a");
            HadoopStorageS3Test.write(hadoop, dir + "/x/b/c.txt", "cc");

            assertThat(hadoop.list("file:" + dir + "/x", true)).as("Hadoop and java.nio list the same files: no .crc side files")
                    .extracting(StorageEntry::relativePath, StorageEntry::bytes)
                    .containsExactlyElementsOf(new LocalStorage().list("file:" + dir + "/x", true).stream()
                            .map(e -> tuple(e.relativePath(), e.bytes())).toList());
            assertThat(hadoop.list(dir + "/x/b", false)).extracting(StorageEntry::uri)
                    .as("entries are named from the listed URI, not Hadoop's qualified form")
                    .containsExactly(dir + "/x/b/c.txt");
        }
    }

    @Test
    void publishesAndVerifiesOnTheLocalFileSystem() throws IOException {
        try (HadoopStorage hadoop = HadoopStorage.of(Map.of())) {
            ArtifactLayout layout = new ArtifactLayout("file:" + dir + "/out", "Tiny-LM", "local-run");
            try (ArtifactPublisher publisher = ArtifactPublisher.begin(hadoop, layout, false)) {
                publisher.write(ArtifactLayout.METRICS, "{}".getBytes(StandardCharsets.UTF_8));
                publisher.write(ArtifactLayout.layerFile(0), new byte[123]);
                publisher.commit(Manifest.draft("0.1.0-test", "local-run",
                        new Manifest.Model("Tiny-LM", "file:/models/tiny", Sha256.of(new byte[0])),
                        new Manifest.Data(Sha256.of(new byte[1])), Map.of(), null, null));
            }
            assertThat(new ArtifactVerifier(hadoop).verify(layout.runUri()).problems())
                    .as("Hadoop's local file system (with .crc files) publishes a clean run").isEmpty();
            assertThat(new ArtifactVerifier(new LocalStorage()).verify(layout.runUri()).ok())
                    .as("and java.nio sees the same run").isTrue();
        }
    }

    @Test
    void snapshotsOnlyTheSettingsThatDifferFromHadoopsDefaults() {
        Configuration conf = new Configuration();
        conf.set("fs.s3a.endpoint", "http://127.0.0.1:9");
        conf.set("fs.s3a.secret.key", "snapshot-secret");

        HadoopStorage storage = HadoopStorage.fromConfiguration(conf);

        assertThat(storage.settings()).as("what Spark or the user set travels to the executors")
                .containsEntry("fs.s3a.endpoint", "http://127.0.0.1:9")
                .containsEntry("fs.s3a.secret.key", "snapshot-secret")
                .as("core-default.xml values do not need to travel").doesNotContainKey("fs.s3a.connection.maximum");
        assertThat(storage.toString()).as("toString never shows settings values").doesNotContain("snapshot-secret");
    }
}
