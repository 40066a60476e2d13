package dev.rotcal.bench;

import dev.rotcal.dfrot.BlockPhaseTimes;
import dev.rotcal.dfrot.InMemoryRows;
import dev.rotcal.dfrot.ProcrustesAccumulator;
import dev.rotcal.dfrot.SyntheticActivations;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.linalg.ProcrustesSolver;
import dev.rotcal.linalg.RandomizedHadamard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * Throughput of one DFRot refine iteration's data side against this machine's SGEMM peak, measured in the
 * same run on the same BLAS threads; prints markdown tables.
 *
 * <ol>
 *   <li>SGEMM peak: (2048×d)·(d×d) cblas_sgemm on native buffers (the path the refine kernel uses), best of
 *       5, measured before and after the iterations (the higher counts: the machine may be shared). For
 *       comparison the same product with {@code float[]} arguments, which JNI copies in and out per call.</li>
 *   <li>{@link InMemoryRows#accumulate} on {@code rows} synthetic DFRot rows (16 massive, α = 100) at R = a
 *       randomized Hadamard: the two GEMMs Y = A_w·R and C += A_wᵀ·Q(Y), quantization and loss; not the
 *       driver's solve. One warm-up, then {@code repetitions} timed; the best counts. Achieved GFLOP/s =
 *       2 GEMMs × 2·n·d² / seconds; the 2-GEMM roofline is that flop count at the SGEMM peak.</li>
 *   <li>Where the time goes in the best repetition, phase by phase ({@link BlockPhaseTimes}).</li>
 *   <li>Optionally the driver's Procrustes solve on the C just computed, once: the part that does not shrink
 *       with more executors.</li>
 * </ol>
 *
 * <p>Run (from the repository root, one build at a time):
 * {@code mvn -B -o -q -pl common test-compile exec:exec@refine-bench}; options
 * {@code -Drefine.bench.rows=16384 -Drefine.bench.repetitions=3 -Drefine.bench.solve=false
 * -Drefine.bench.d=4096}. BLAS uses every core.
 */
public final class RefineIterationBenchmark {
    private static final int MASSIVE_ROWS = 16;
    private static final double ALPHA = 100;
    private static final int PEAK_ROWS = 2048;
    private static final int PEAK_RUNS = 5;

    private RefineIterationBenchmark() {
    }

    public static void main(String[] args) {
        int d = Integer.getInteger("refine.bench.d", 4096);
        int n = Integer.getInteger("refine.bench.rows", 65536);
        int repetitions = Integer.getInteger("refine.bench.repetitions", 3);
        boolean solve = Boolean.parseBoolean(System.getProperty("refine.bench.solve", "true"));
        int threads = Runtime.getRuntime().availableProcessors();
        DenseLinearAlgebra.setBlasThreads(threads);
        String loadBefore = loadAverage();

        double peakBefore = sgemmGflops(PEAK_ROWS, d, PEAK_RUNS, true);
        double heapPath = sgemmGflops(PEAK_ROWS, d, 2, false);
        log("SGEMM peak %.1f GFLOP/s (float[] arguments: %.1f)", peakBefore, heapPath);

        log("generating %d rows of width %d ...", n, d);
        SyntheticActivations.Rows rows = SyntheticActivations.generate(
                SyntheticActivations.Recipe.llama2Like(d, n - MASSIVE_ROWS, MASSIVE_ROWS, 7));
        InMemoryRows data = new InMemoryRows(rows.normalized(), n, d, rows.massive(), ALPHA);
        rows = null; // the residual rows are garbage from here on
        double[] r = RandomizedHadamard.matrix(d, 0); // (d, d) row-major

        data.accumulate(r); // warm-up: JIT, page faults
        double[] seconds = new double[repetitions];
        BlockPhaseTimes bestTimes = null;
        ProcrustesAccumulator last = null;
        for (int rep = 0; rep < repetitions; rep++) {
            BlockPhaseTimes times = new BlockPhaseTimes();
            long t0 = System.nanoTime();
            last = data.accumulate(r, times);
            seconds[rep] = (System.nanoTime() - t0) / 1e9;
            if (bestTimes == null || seconds[rep] <= Arrays.stream(seconds, 0, rep).min().orElse(Double.MAX_VALUE)) {
                bestTimes = times;
            }
            log("repetition %d: %.2f s (weighted loss %.6g)", rep + 1, seconds[rep], last.loss().weightedTotal());
        }
        double peakAfter = sgemmGflops(PEAK_ROWS, d, PEAK_RUNS, true);
        double peak = Math.max(peakBefore, peakAfter);

        double solveSeconds = Double.NaN;
        String solverName = ProcrustesSolver.defaultSolver().name();
        if (solve) {
            double[] c = last.crossProduct();
            last = null;
            log("solving the Procrustes step at d = %d with %s ...", d, solverName);
            long t0 = System.nanoTime();
            ProcrustesSolver.defaultSolver().solve(c, d);
            solveSeconds = (System.nanoTime() - t0) / 1e9;
        }

        double best = Arrays.stream(seconds).min().orElseThrow();
        double flops = 2 * 2.0 * n * (double) d * d;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "One DFRot refine iteration, data side (InMemoryRows.accumulate), "
                        + "d = %d, n = %d rows (%d massive, alpha = %.0f), %d BLAS threads, Java %s, %s%n%n", d, n,
                MASSIVE_ROWS, ALPHA, threads, System.getProperty("java.version"), cpuName()));
        out.append("| measurement | s | GFLOP/s | % of SGEMM peak |\n|---|---:|---:|---:|\n");
        out.append(String.format(Locale.ROOT, "| SGEMM peak, (%d×%d)·(%d×%d) on native buffers, best of %d "
                        + "(before %.1f, after %.1f) | %.3f | %.1f | 100 %% |%n", PEAK_ROWS, d, d, d, PEAK_RUNS,
                peakBefore, peakAfter, 2.0 * PEAK_ROWS * d * d / peak / 1e9, peak));
        out.append(String.format(Locale.ROOT, "| same SGEMM with float[] arguments (copied per call) | %.3f | %.1f "
                + "| %.0f %% |%n", 2.0 * PEAK_ROWS * d * d / heapPath / 1e9, heapPath, 100 * heapPath / peak));
        out.append(String.format(Locale.ROOT, "| 2-GEMM roofline: 2 × 2·n·d² = %.2f TFLOP at peak | %.2f | %.1f "
                + "| 100 %% |%n", flops / 1e12, flops / peak / 1e9, peak));
        out.append(String.format(Locale.ROOT, "| **one iteration, data side**, best of %d (%s s) | **%.2f** | "
                        + "**%.1f** | **%.0f %%** |%n", repetitions, join(seconds), best, flops / best / 1e9,
                100 * flops / best / 1e9 / peak));
        if (solve) {
            out.append(String.format(Locale.ROOT, "| Procrustes solve on the driver (%s), once | %.2f | | |%n",
                    solverName, solveSeconds));
        }

        out.append("\n| phase of the best repetition | s | share | GFLOP/s |\n|---|---:|---:|---:|\n");
        double gemmFlops = 2.0 * n * (double) d * d;
        double overhead = 0;
        for (BlockPhaseTimes.Phase phase : BlockPhaseTimes.Phase.values()) {
            double s = bestTimes.seconds(phase);
            overhead += phase.gemm() ? 0 : s;
            out.append(String.format(Locale.ROOT, "| %s | %.2f | %.1f %% | %s |%n", phase.label(), s, 100 * s / best,
                    phase.gemm() ? String.format(Locale.ROOT, "%.1f", gemmFlops / s / 1e9) : ""));
        }
        out.append(String.format(Locale.ROOT, "| all but the GEMMs | %.2f | %.1f %% | |%n", overhead,
                100 * overhead / best));
        if (solve) {
            out.append(String.format(Locale.ROOT, "%nDriver share of a whole iteration on this machine: solve %.1f s "
                    + "of %.1f s = %.0f %%.%n", solveSeconds, best + solveSeconds,
                    100 * solveSeconds / (best + solveSeconds)));
        }
        out.append(String.format(Locale.ROOT, "%nLoad average before %s, after %s (%d cores: above ~%d means other "
                + "processes shared the CPU)%n", loadBefore, loadAverage(), threads, threads));
        System.out.print(out);
    }

    /**
     * GFLOP/s of (m×k)·(k×k) cblas_sgemm, best of {@code runs} after one warm-up: on native buffers, or on
     * {@code float[]} arguments (which JNI copies per call).
     */
    static double sgemmGflops(int m, int k, int runs, boolean nativeBuffers) {
        float[] a = gaussian((long) m * k, 1);
        float[] b = gaussian((long) k * k, 2);
        float[] c = new float[m * k];
        double best = Double.POSITIVE_INFINITY;
        try (FloatPointer ap = new FloatPointer(a); FloatPointer bp = new FloatPointer(b);
             FloatPointer cp = new FloatPointer((long) m * k)) {
            for (int run = 0; run <= runs; run++) {
                long t0 = System.nanoTime();
                if (nativeBuffers) {
                    openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, m, k,
                            k, 1f, ap, k, bp, k, 0f, cp, k);
                } else {
                    openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, m, k,
                            k, 1f, a, k, b, k, 0f, c, k);
                }
                double s = (System.nanoTime() - t0) / 1e9;
                best = run == 0 ? best : Math.min(best, s);
            }
        }
        return 2.0 * m * k * k / best / 1e9;
    }

    private static float[] gaussian(long size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[Math.toIntExact(size)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static String join(double[] seconds) {
        StringBuilder s = new StringBuilder();
        for (double v : seconds) {
            s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", v));
        }
        return s.toString();
    }

    private static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, format + "%n", args);
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " / " + fields[1] + " / " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    private static String cpuName() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
        } catch (IOException | RuntimeException e) {
            return "unknown CPU";
        }
    }
}
