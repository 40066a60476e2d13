package dev.rotcal.jobs.bench;

import static dev.rotcal.Checks.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A calibration's wall time on a cluster, projected from one measured run's metrics.json (the per-layer and
 * per-iteration figures of a real-shaped model with few layers, measured on few cores).
 *
 * <p>The model, per stage (every task on one core, every core as fast as the measured machine's; a cluster of
 * {@code executors × cores} task slots):
 * <ul>
 *   <li>capture: each layer runs its windows as parallel tasks; one window-layer costs
 *       capture seconds × min(windows, measured cores) / (layers × windows) core-seconds, and a layer takes
 *       ⌈windows / slots⌉ of them;</li>
 *   <li>refine, per iteration: the data side (seconds − solve) is row-parallel: its core-seconds per row scale with
 *       the rows (2 × layers × tokens) and spread over min(slots, rows / 4096) tasks; the driver's solve stays as
 *       measured (same hidden size);</li>
 *   <li>scales, per layer (layers run one after another, GPTQ needs its predecessors): statistics and forward are
 *       window-parallel like capture, at least one window's time (their per-layer fixed work — rotating the layer,
 *       the band shuffle — is spread over the measured windows, so this floor is where it shows); the solve takes
 *       the longest group task (4 tasks per layer: q/k/v, o, gate/up, down).</li>
 * </ul>
 * Not projected: evaluation, publishing, Spark scheduling and network time (the Hessian bands and the refine
 * accumulators cross the network on a cluster; on one machine they did not).
 */
public final class RunProjection {
    /** Rows per refine task (the capture's chunk bound). */
    static final int REFINE_CHUNK_ROWS = 4096;

    /** What was measured, from metrics.json. */
    public record Measured(int layers, int cores, int windows, int scalesWindows, double captureSeconds,
                           double refineDataSeconds, double refineSolveSeconds, long refineRows,
                           double statisticsSeconds, double solveSeconds, double forwardSeconds) {
        /** The same measurements with the driver's solve per iteration measured apart. */
        public Measured withSolveSeconds(double seconds) {
            return new Measured(layers, cores, windows, scalesWindows, captureSeconds, refineDataSeconds, seconds,
                    refineRows, statisticsSeconds, solveSeconds, forwardSeconds);
        }

        /** Core-seconds of one window through one layer in the capture. */
        double captureWindowSeconds() {
            return captureSeconds * Math.min(windows, cores) / ((double) layers * windows);
        }

        /**
         * @param metrics        a run's metrics.json with the scales stage's per-layer "seconds" and "group_seconds"
         * @param cores          task slots of the measured run (local[2]: 2)
         * @param sequenceLength tokens per window
         */
        public static Measured of(JsonNode metrics, int cores, int sequenceLength) {
            JsonNode layers = metrics.path("scales").path("layers");
            checkArgument(layers.isArray() && layers.size() > 0 && layers.get(0).has("seconds"),
                    "Cannot project from these metrics: scales.layers[].seconds is missing (a run of rotcal with the "
                            + "scales stage, 2026-12 or later, writes it)");
            int n = layers.size();
            double statistics = 0;
            double forward = 0;
            double solve = 0;
            for (JsonNode layer : layers) {
                statistics += layer.path("seconds").path("statistics").asDouble();
                forward += layer.path("seconds").path("forward").asDouble();
                double longest = 0;
                for (JsonNode g : layer.path("group_seconds")) {
                    longest = Math.max(longest, g.asDouble());
                }
                solve += longest;
            }
            // the last layer runs no forward: average the forward over the layers that ran one
            double forwardPerLayer = n > 1 ? forward / (n - 1) : 0;
            JsonNode steps = metrics.path("refine").path("steps");
            checkArgument(steps.size() > 0, "Cannot project from these metrics: refine.steps is empty");
            double data = 0;
            double driver = 0;
            for (JsonNode s : steps) {
                data += s.path("seconds").asDouble() - s.path("solve_seconds").asDouble();
                driver += s.path("solve_seconds").asDouble();
            }
            long rows = metrics.path("summary").path("rows").asLong();
            int windows = (int) Math.max(1, rows / (2L * n * sequenceLength));
            return new Measured(n, cores, windows, metrics.path("scales").path("sequences").asInt(),
                    metrics.path("stage_seconds").path("capture").asDouble(), data / steps.size(),
                    driver / steps.size(), rows, statistics / n, solve / n, forwardPerLayer);
        }
    }

    /** The run to project: its layers, windows and iterations. */
    public record Target(int layers, int windows, int scalesWindows, int iterations) {
    }

    /** Projected wall seconds of one cluster size. */
    public record Projection(int executors, int coresPerExecutor, double capture, double refine, double scales,
                             double refineSolveShare) {
        public double total() {
            return capture + refine + scales;
        }
    }

    private RunProjection() {
    }

    public static Projection project(Measured m, Target t, int executors, int coresPerExecutor) {
        long slots = (long) executors * coresPerExecutor;
        double capture = t.layers() * m.captureWindowSeconds() * Math.ceil((double) t.windows() / slots);

        long rows = m.refineRows() / m.layers() * t.layers() / m.windows() * t.windows();
        double dataCorePerRow = m.refineDataSeconds() * Math.min(m.cores(),
                Math.max(1, m.refineRows() / REFINE_CHUNK_ROWS)) / m.refineRows();
        long refineTasks = Math.max(1, Math.min(slots, (rows + REFINE_CHUNK_ROWS - 1) / REFINE_CHUNK_ROWS));
        double dataSide = dataCorePerRow * rows / refineTasks;
        double iteration = dataSide + m.refineSolveSeconds();
        double refine = t.iterations() * iteration;

        int measuredParallel = Math.min(m.scalesWindows(), m.cores());
        double statisticsWindow = m.statisticsSeconds() * measuredParallel / m.scalesWindows();
        double forwardWindow = m.forwardSeconds() * measuredParallel / m.scalesWindows();
        double rounds = Math.ceil((double) t.scalesWindows() / slots);
        double perLayer = statisticsWindow * rounds + m.solveSeconds()
                + (t.layers() > 1 ? forwardWindow * rounds * (t.layers() - 1) / t.layers() : 0);
        double scales = t.layers() * perLayer;
        return new Projection(executors, coresPerExecutor, capture, refine, scales, m.refineSolveSeconds() / iteration);
    }

    /** A markdown table: one column per cluster size. */
    public static String table(Measured m, Target t, List<Projection> projections) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%d layers, %d DFRot window(s), %d refine iterations, %d scales windows%n%n",
                t.layers(), t.windows(), t.iterations(), t.scalesWindows()));
        List<String> header = new ArrayList<>(List.of("stage"));
        List<String> rule = new ArrayList<>(List.of("---"));
        for (Projection p : projections) {
            header.add(String.format(Locale.ROOT, "%d × %d cores", p.executors(), p.coresPerExecutor()));
            rule.add("---:");
        }
        b.append("| ").append(String.join(" | ", header)).append(" |\n");
        b.append("| ").append(String.join(" | ", rule)).append(" |\n");
        row(b, "capture", projections.stream().map(p -> duration(p.capture())).toList());
        row(b, "refine", projections.stream().map(p -> String.format(Locale.ROOT, "%s (solve %.0f %%)",
                duration(p.refine()), 100 * p.refineSolveShare())).toList());
        row(b, "scales", projections.stream().map(p -> duration(p.scales())).toList());
        row(b, "total", projections.stream().map(p -> duration(p.total())).toList());
        b.append(String.format(Locale.ROOT, "%nfrom: %d measured layers on %d cores; capture %.1f s per window-layer; "
                        + "refine %.1f s data side + %.1f s solve per iteration over %d rows; scales per layer "
                        + "statistics %.1f s, solve (longest group) %.1f s, forward %.1f s over %d windows%n",
                m.layers(), m.cores(), m.captureWindowSeconds(), m.refineDataSeconds(), m.refineSolveSeconds(),
                m.refineRows(), m.statisticsSeconds(), m.solveSeconds(), m.forwardSeconds(), m.scalesWindows()));
        return b.toString();
    }

    private static void row(StringBuilder b, String name, List<String> cells) {
        b.append("| ").append(name).append(" | ").append(String.join(" | ", cells)).append(" |\n");
    }

    /** "1 h 05 min", "12 min", "45 s". */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600 + 30) / 60 % 60);
        }
        if (s >= 60) {
            return String.format(Locale.ROOT, "%d min", (s + 30) / 60);
        }
        return s + " s";
    }
}
