package dev.rotcal.jobs.calibrate;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures each stage's peak memory in the driver JVM (in local mode also the executors'): the largest live heap
 * after any garbage collection during the stage (the sum over heap pools after GC — what the stage really held,
 * without garbage not yet collected) and the peak resident set size (Linux VmHWM, reset at each stage start through
 * /proc/self/clear_refs). Logged per stage and kept for metrics.json, so the memory estimate can be checked against
 * a run.
 */
final class StageMemory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StageMemory.class);

    /** A stage's measured peaks, in bytes (-1 when unknown). */
    record Peak(long liveHeap, long rss) {
    }

    private final Map<String, Peak> peaks = new LinkedHashMap<>();
    private final NotificationListener listener = (notification, handback) -> {
        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                    (CompositeData) notification.getUserData());
            long used = 0;
            for (MemoryUsage u : info.getGcInfo().getMemoryUsageAfterGc().values()) {
                used += u.getUsed();
            }
            record(used);
        }
    };
    private long stagePeak;

    StageMemory() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
            }
        }
    }

    private synchronized void record(long used) {
        stagePeak = Math.max(stagePeak, used);
    }

    /** Starts a stage: resets the peaks. */
    synchronized void start() {
        stagePeak = 0;
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5", StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            // not Linux, or not allowed: the RSS peak is then the process's
        }
    }

    /** Ends stage {@code name}: logs and keeps its peaks. */
    synchronized void end(String name) {
        Peak p = new Peak(stagePeak == 0 ? -1 : stagePeak, vmHwm());
        peaks.put(name, p);
        String heap = p.liveHeap() < 0 ? "not measured (no GC ran)"
                : String.format(Locale.ROOT, "%.2f GiB (after GC)", p.liveHeap() / (double) (1L << 30));
        LOG.info(String.format(Locale.ROOT, "memory, %s: peak live heap %s, peak RSS %.2f GiB", name, heap,
                p.rss() / (double) (1L << 30)));
    }

    Map<String, Peak> peaks() {
        return Map.copyOf(peaks);
    }

    private static long vmHwm() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    @Override
    public void close() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                try {
                    emitter.removeNotificationListener(listener);
                } catch (javax.management.ListenerNotFoundException e) {
                    // already gone
                }
            }
        }
    }
}
