package dev.rotcal.jobs.calibrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotcal.jobs.config.SettingsException;
import dev.rotcal.jobs.io.HadoopStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One run per run id: the lease refuses a second holder at once, takes over an expired one, and frees itself. */
class RunLeaseTest {
    @TempDir
    Path dir;

    @Test
    void aSecondRunIsRefusedNamingTheHolderAndTheLeaseGoesWithTheRun() throws Exception {
        try (HadoopStorage storage = HadoopStorage.of(Map.of())) {
            String folder = dir.resolve("m/_checkpoints/r1").toUri().toString();
            RunLease first = RunLease.acquire(storage, folder, "r1");
            Throwable second = catchThrowable(() -> RunLease.acquire(storage, folder, "r1"));
            assertThat(second).isInstanceOf(SettingsException.class)
                    .hasMessageStartingWith("Cannot start run r1: another run with this run id is running (")
                    .hasMessageContaining("pid " + ProcessHandle.current().pid()).hasMessageContaining("lease.json")
                    .hasMessageContaining("--resume");
            assertThat(second.getMessage()).doesNotContain("\n");
            first.close();
            assertThat(dir.resolve("m/_checkpoints/r1")).as("the lease and its empty folder are gone").doesNotExist();
            RunLease.acquire(storage, folder, "r1").close();
        }
    }

    @Test
    void aLeaseNotRenewedForTheExpiryBelongsToADeadRunAndIsTakenOver() throws Exception {
        try (HadoopStorage storage = HadoopStorage.of(Map.of())) {
            Path lease = Files.createDirectories(dir.resolve("m/_checkpoints/r2")).resolve("lease.json");
            long dead = System.currentTimeMillis() - (RunLease.EXPIRY_SECONDS + 10) * 1000;
            Files.writeString(lease, "{\"token\":\"t\",\"host\":\"gone\",\"pid\":7,\"started\":\"2026-12-07T00:00:00Z\","
                    + "\"renewedMillis\":" + dead + "}");
            try (RunLease taken = RunLease.acquire(storage, dir.resolve("m/_checkpoints/r2").toUri().toString(), "r2")) {
                assertThat(Files.readString(lease)).as("the lease is ours now").doesNotContain("\"gone\"");
            }
        }
    }

    @Test
    void aLeaseOfAProcessOfThisHostThatIsGoneIsTakenOverAtOnce() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        try (HadoopStorage storage = HadoopStorage.of(Map.of())) {
            Path lease = Files.createDirectories(dir.resolve("m/_checkpoints/r3")).resolve("lease.json");
            Files.writeString(lease, "{\"token\":\"t\",\"host\":\"" + java.net.InetAddress.getLocalHost().getHostName()
                    + "\",\"pid\":" + gone.pid() + ",\"started\":\"2026-12-07T00:00:00Z\",\"renewedMillis\":"
                    + System.currentTimeMillis() + "}");
            try (RunLease taken = RunLease.acquire(storage, dir.resolve("m/_checkpoints/r3").toUri().toString(), "r3")) {
                assertThat(Files.readString(lease)).as("a killed driver's lease: resume needs no wait")
                        .contains("\"pid\":" + ProcessHandle.current().pid());
            }
        }
    }

    @Test
    void ofTwoSimultaneousStartsExactlyOneRuns() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (HadoopStorage storage = HadoopStorage.of(Map.of())) {
            for (int round = 0; round < 20; round++) {
                String folder = dir.resolve("m/_checkpoints/race-" + round).toUri().toString();
                CyclicBarrier start = new CyclicBarrier(2);
                Callable<RunLease> attempt = () -> {
                    start.await();
                    try {
                        return RunLease.acquire(storage, folder, "race");
                    } catch (SettingsException refused) {
                        return null;
                    }
                };
                List<Future<RunLease>> both = new ArrayList<>(List.of(pool.submit(attempt), pool.submit(attempt)));
                int running = 0;
                for (Future<RunLease> f : both) {
                    RunLease lease = f.get();
                    if (lease != null) {
                        running++;
                        lease.close();
                    }
                }
                assertThat(running).as("round %d: exactly one of two simultaneous starts holds the lease", round)
                        .isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
