package dev.rotcal.jobs.config;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares a {@link MemoryEstimate} with the memory the run will have, before any Spark work, and refuses a run
 * that cannot fit with one line naming the stage, the need, the setting and the fix ({@link ResourceException},
 * exit code 3, CliErrors.RESOURCES). In local mode (local[N]) the executors are threads of the driver JVM: N tasks, the driver's arrays
 * and the shared layer weights all live in its heap (-Xmx). On a cluster, the driver's arrays must fit the driver's
 * heap and {@code spark.executor.cores / spark.task.cpus} tasks the executor's (spark.executor.memory less Spark's
 * reserved 300 MiB), the native buffers its spark.executor.memoryOverhead.
 */
public final class MemoryBudget {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryBudget.class);
    /** Spark's reserved system memory and JVM/Spark overheads not in the estimate. */
    static final long MARGIN = 512L << 20;
    static final long SPARK_RESERVED = 300L << 20;

    /**
     * What a JVM takes beyond its heap and rotcal's native buffers: GC structures, metaspace, code cache, thread
     * stacks, Spark's network buffers, malloc arenas. Measured on the 70B-shaped layer: RSS 23.1 GiB with a 14 GiB heap
     * and 6.5 GiB of rotcal's native buffers, ≈ 1 GiB + heap / 8.
     */
    static long jvmOverhead(long heap) {
        return (1L << 30) + heap / 8;
    }

    /**
     * The memory available to a run.
     *
     * @param local            executors are threads of the driver JVM
     * @param driverHeap       the driver JVM's max heap
     * @param tasksPerExecutor tasks that run at once in one executor JVM (local: the local[N] cores)
     * @param executorHeap     spark.executor.memory (unused in local mode)
     * @param executorNative   spark.executor.memoryOverhead, or in local mode the machine's memory left beside the
     *                         heap and the JVM's own overhead ({@link #jvmOverhead})
     */
    public record Available(boolean local, long driverHeap, int tasksPerExecutor, long executorHeap,
                            long executorNative) {

        /** From the Spark configuration the run will start with and this (driver) JVM. */
        public static Available of(SparkConf conf) {
            String master = conf.get("spark.master", "local[*]");
            long driverHeap = Runtime.getRuntime().maxMemory();
            if (master.startsWith("local")) {
                int cores = localCores(master);
                return new Available(true, driverHeap, cores, driverHeap,
                        Math.max(0, physicalMemory() - driverHeap - jvmOverhead(driverHeap)));
            }
            long executor = conf.getSizeAsBytes("spark.executor.memory", "1g");
            long overhead = conf.contains("spark.executor.memoryOverhead")
                    ? conf.getSizeAsBytes("spark.executor.memoryOverhead")
                    : Math.max(384L << 20, executor / 10);
            int cores = conf.getInt("spark.executor.cores", 1) / Math.max(1, conf.getInt("spark.task.cpus", 1));
            return new Available(false, driverHeap, Math.max(1, cores), executor, overhead);
        }

        static int localCores(String master) {
            String inside = master.replaceAll("^local\\[([^],]*).*$", "$1");
            if (master.equals("local") || inside.equals(master)) {
                return 1;
            }
            return inside.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(inside.trim());
        }

        private static long physicalMemory() {
            if (ManagementFactory.getOperatingSystemMXBean()
                    instanceof com.sun.management.OperatingSystemMXBean os) {
                return os.getTotalMemorySize();
            }
            return Long.MAX_VALUE;
        }
    }

    private MemoryBudget() {
    }

    /** Logs the estimate stage by stage and throws {@link ResourceException} for the first stage that cannot fit. */
    public static void check(MemoryEstimate estimate, Available available) {
        for (MemoryEstimate.Stage s : estimate.stages()) {
            long jvmHeap = s.heapFor(available.tasksPerExecutor(), available.local());
            LOG.info(String.format(Locale.ROOT, "memory estimate, %s: %s heap %s (driver %s, task %s × %d, shared"
                            + " %s), native %s — %s", s.name(), available.local() ? "JVM" : "executor",
                    MemoryEstimate.gib(jvmHeap), MemoryEstimate.gib(s.driverHeap()),
                    MemoryEstimate.gib(s.taskHeap()), available.tasksPerExecutor(), MemoryEstimate.gib(s.sharedHeap()),
                    MemoryEstimate.gib(s.nativeFor(available.tasksPerExecutor())), s.detail()));
            if (available.local()) {
                long need = jvmHeap + MARGIN;                        // with the driver's arrays where alive
                if (need > available.driverHeap()) {
                    throw new ResourceException(String.format(Locale.ROOT, "Cannot run the %s stage: %d task(s) and"
                                    + " the driver in one local JVM need ≈ %s of heap (%s), the JVM has %s (-Xmx: set"
                                    + " ROTCAL_JAVA_OPTS=-Xmx… for bin/rotcal, or spark.driver.memory); raise it, or"
                                    + " run fewer cores (local[N]) or fewer windows per task",
                            s.name(), available.tasksPerExecutor(), MemoryEstimate.gib(need), s.detail(),
                            MemoryEstimate.gib(available.driverHeap())));
                }
                long nativeNeed = s.nativeFor(available.tasksPerExecutor());
                if (nativeNeed > available.executorNative()) {
                    // the machine's memory is the heap plus what it leaves: name a heap that fits both, if one does
                    long machine = available.driverHeap() + jvmOverhead(available.driverHeap())
                            + available.executorNative();
                    long heapGib = (need + (1L << 30) - 1) >> 30;
                    String fix = (heapGib << 30) + jvmOverhead(heapGib << 30) + nativeNeed <= machine
                            ? String.format(Locale.ROOT, "set ROTCAL_JAVA_OPTS=-Xmx%dg (the heap needs ≈ %s)", heapGib,
                                    MemoryEstimate.gib(need))
                            : "no heap size fits both on this machine: use a larger machine or fewer cores (local[N])";
                    throw new ResourceException(String.format(Locale.ROOT, "Cannot run the %s stage: it needs ≈ %s of"
                                    + " native memory beside the heap (%s), the machine leaves %s beside -Xmx %s; %s",
                            s.name(), MemoryEstimate.gib(nativeNeed), s.detail(),
                            MemoryEstimate.gib(available.executorNative()), MemoryEstimate.gib(available.driverHeap()),
                            fix));
                }
                continue;
            }
            if (s.driverHeap() + MARGIN > available.driverHeap()) {
                throw new ResourceException(String.format(Locale.ROOT, "Cannot run the %s stage: the driver needs ≈ %s"
                                + " of heap (%s), it has %s (spark.driver.memory); raise it", s.name(),
                        MemoryEstimate.gib(s.driverHeap() + MARGIN), s.detail(),
                        MemoryEstimate.gib(available.driverHeap())));
            }
            long usable = available.executorHeap() - SPARK_RESERVED;
            if (jvmHeap + MARGIN > usable) {
                throw new ResourceException(String.format(Locale.ROOT, "Cannot run the %s stage: %d task(s) per"
                                + " executor need ≈ %s of heap (%s), executors have %s (spark.executor.memory); raise it"
                                + " or lower spark.executor.cores", s.name(), available.tasksPerExecutor(),
                        MemoryEstimate.gib(jvmHeap + MARGIN), s.detail(), MemoryEstimate.gib(available.executorHeap())));
            }
            if (s.nativeFor(available.tasksPerExecutor()) > available.executorNative()) {
                throw new ResourceException(String.format(Locale.ROOT, "Cannot run the %s stage: executors need ≈ %s"
                                + " of native memory (%s), they have %s (spark.executor.memoryOverhead); raise it",
                        s.name(), MemoryEstimate.gib(s.nativeFor(available.tasksPerExecutor())), s.detail(),
                        MemoryEstimate.gib(available.executorNative())));
            }
        }
    }
}
