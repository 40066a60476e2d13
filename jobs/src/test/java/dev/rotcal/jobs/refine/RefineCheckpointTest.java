package dev.rotcal.jobs.refine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotcal.artifact.LocalStorage;
import dev.rotcal.artifact.Storage;
import dev.rotcal.artifact.StorageEntry;
import dev.rotcal.dfrot.ClassErrorSums;
import dev.rotcal.dfrot.DfrotRefiner;
import dev.rotcal.dfrot.ProcrustesLoss;
import dev.rotcal.io.ByteSource;
import dev.rotcal.jobs.BadInputException;
import dev.rotcal.linalg.RandomOrthogonal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The refine checkpoint on real files: exact round trip, refusal of another run's checkpoint, driver deaths. */
class RefineCheckpointTest {
    private static final int D = 64;
    private static final String COMPATIBILITY = "d=64 data=abc massive=def alpha=100.0 init=random-hadamard seed=0";

    @TempDir
    Path dir;

    @Test
    void roundTripsRAndTheHistoryExactly() {
        RefineCheckpoint checkpoint = new RefineCheckpoint(new LocalStorage(), uri("refine.safetensors"));
        double[] r = RandomOrthogonal.matrix(D, 7);
        checkpoint.save(r, D, history(4), COMPATIBILITY);

        DfrotRefiner.Start start = checkpoint.load(D, COMPATIBILITY).orElseThrow();

        assertThat(start.rotation()).as("R comes back bit for bit").isEqualTo(r);
        assertThat(start.history()).as("the history of the steps done comes back").isEqualTo(history(4));
    }

    @Test
    void refusesACheckpointOfAnotherRun() {
        RefineCheckpoint checkpoint = new RefineCheckpoint(new LocalStorage(), uri("refine.safetensors"));
        checkpoint.save(RandomOrthogonal.matrix(D, 7), D, history(2), COMPATIBILITY);

        assertThatThrownBy(() -> checkpoint.load(D, COMPATIBILITY.replace("alpha=100.0", "alpha=50.0")))
                .as("another alpha is another refinement").isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("Cannot resume from ").hasMessageContaining("alpha=50.0");
    }

    @Test
    void aDriverThatDiedWhileReplacingTheCheckpointResumesFromTheNewOne() throws IOException {
        String uri = uri("refine.safetensors");
        new RefineCheckpoint(new LocalStorage(), uri).save(RandomOrthogonal.matrix(D, 1), D, history(2),
                COMPATIBILITY);
        double[] after4 = RandomOrthogonal.matrix(D, 2);
        RefineCheckpoint dying = new RefineCheckpoint(new DyingRename(), uri);

        assertThatThrownBy(() -> dying.save(after4, D, history(4), COMPATIBILITY))
                .as("the driver dies in the rename that replaces step 2's checkpoint by step 4's")
                .isInstanceOf(UncheckedIOException.class);
        assertThat(file("refine.safetensors")).as("step 2's checkpoint is gone").doesNotExist();

        Optional<DfrotRefiner.Start> start = new RefineCheckpoint(new LocalStorage(), uri).load(D, COMPATIBILITY);

        assertThat(start).as("the completely written checkpoint of step 4 is found").isPresent();
        assertThat(start.get().history()).as("resuming after step 4, not from R0").hasSize(4);
        assertThat(start.get().rotation()).isEqualTo(after4);
    }

    @Test
    void aCheckpointWhoseWritingWasCutShortIsNoCheckpoint() throws IOException {
        String uri = uri("refine.safetensors");
        RefineCheckpoint checkpoint = new RefineCheckpoint(new LocalStorage(), uri);
        checkpoint.save(RandomOrthogonal.matrix(D, 1), D, history(2), COMPATIBILITY);
        byte[] whole = Files.readAllBytes(file("refine.safetensors"));
        Files.delete(file("refine.safetensors"));
        Files.write(file("refine.safetensors.tmp"), Arrays.copyOf(whole, whole.length / 2));

        assertThat(checkpoint.load(D, COMPATIBILITY)).as("half a first checkpoint: start from R0").isEmpty();
        checkpoint.delete();
        assertThat(file("refine.safetensors.tmp")).as("deleting the checkpoint removes the half one too")
                .doesNotExist();
        assertThat(dir.resolve("_checkpoints/run-1")).as("... and the run's checkpoint folder").doesNotExist();
    }

    /** As in a run: alone in its run's folder under _checkpoints. */
    private Path file(String name) {
        return dir.resolve("_checkpoints/run-1").resolve(name);
    }

    private String uri(String name) {
        return file(name).toUri().toString();
    }

    private static List<DfrotRefiner.Iteration> history(int steps) {
        List<DfrotRefiner.Iteration> history = new ArrayList<>();
        for (int k = 1; k <= steps; k++) {
            ProcrustesLoss loss = new ProcrustesLoss(100.0 / k, 50.0 / k, 100.0 / k, 0.005 / k,
                    new ClassErrorSums(10.0 / k, 1000, 1.0 / k, 5));
            history.add(new DfrotRefiner.Iteration(k, loss, 0.1 / k, 1e-15, 0.5, 0.2));
        }
        return history;
    }

    /** Fault injection, not a mock: real local files, but the driver dies (an exception) in every rename. */
    private static final class DyingRename implements Storage {
        private final Storage real = new LocalStorage();

        @Override
        public void rename(String from, String to) throws IOException {
            throw new IOException("Cannot rename " + from + " to " + to + ": the driver died (test)");
        }

        @Override
        public InputStream open(String uri) throws IOException {
            return real.open(uri);
        }

        @Override
        public ByteSource openByteSource(String uri) throws IOException {
            return real.openByteSource(uri);
        }

        @Override
        public OutputStream create(String uri, boolean overwrite) throws IOException {
            return real.create(uri, overwrite);
        }

        @Override
        public boolean exists(String uri) throws IOException {
            return real.exists(uri);
        }

        @Override
        public List<StorageEntry> list(String uri, boolean recursive) throws IOException {
            return real.list(uri, recursive);
        }

        @Override
        public boolean delete(String uri) throws IOException {
            return real.delete(uri);
        }

        @Override
        public long size(String uri) throws IOException {
            return real.size(uri);
        }

        @Override
        public long modifiedMillis(String uri) throws IOException {
            return real.modifiedMillis(uri);
        }

        @Override
        public void close() throws IOException {
            real.close();
        }
    }
}
