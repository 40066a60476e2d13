package dev.rotcal.bench;

import dev.rotcal.dfrot.InMemoryRows;
import dev.rotcal.dfrot.ProcrustesAccumulator;
import dev.rotcal.dfrot.SyntheticActivations;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.linalg.RandomizedHadamard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * Times the data side of one DFRot refine iteration ({@link InMemoryRows#accumulate}: Y = A_w·R, B = Q(Y),
 * C += A_wᵀ·B and the loss; not the driver's Procrustes solve) and compares it with the SGEMM peak measured
 * in the same run, on the same BLAS threads. Prints a markdown table.
 */
public final class RefineIterationBenchmark {
    private RefineIterationBenchmark() {
    }

    public static void main(String[] args) {
        int d = Integer.getInteger("refine.bench.d", 4096);
        int n = Integer.getInteger("refine.bench.rows", 65536);
        int repetitions = Integer.getInteger("refine.bench.repetitions", 3);
        int threads = Integer.getInteger("refine.bench.threads", Runtime.getRuntime().availableProcessors());
        DenseLinearAlgebra.setBlasThreads(threads);
        String loadBefore = loadAverage();

        double peak = sgemmPeak(2048, d, 5);
        System.err.printf(Locale.ROOT, "SGEMM peak %.1f GFLOP/s%n", peak);

        SyntheticActivations.Rows rows = SyntheticActivations.generate(
                SyntheticActivations.Recipe.llama2Like(d, n - 16, 16, 7));
        InMemoryRows data = new InMemoryRows(rows.normalized(), n, d, rows.massive(), 100);
        double[] r = RandomizedHadamard.matrix(d, 0); // (d, d)
        data.accumulate(r); // warm-up
        double[] seconds = new double[repetitions];
        for (int rep = 0; rep < repetitions; rep++) {
            long t0 = System.nanoTime();
            ProcrustesAccumulator acc = data.accumulate(r);
            seconds[rep] = (System.nanoTime() - t0) / 1e9;
            System.err.printf(Locale.ROOT, "repetition %d: %.2f s (loss %.4g)%n", rep + 1, seconds[rep],
                    acc.loss().weightedTotal());
        }
        double best = Arrays.stream(seconds).min().orElseThrow();
        double flops = 2 * 2.0 * n * (double) d * d;
        System.out.printf(Locale.ROOT, "| d | rows | best s | GFLOP/s | peak GFLOP/s | %% of peak |%n");
        System.out.printf(Locale.ROOT, "| %d | %d | %.2f | %.1f | %.1f | %.0f %% |%n", d, n, best,
                flops / best / 1e9, peak, 100 * flops / best / 1e9 / peak);
        System.out.printf(Locale.ROOT, "load average before %s, after %s%n", loadBefore, loadAverage());
    }

    /** Best-of-{@code runs} GFLOP/s of (m×k)·(k×k) sgemm on native buffers. */
    static double sgemmPeak(int m, int k, int runs) {
        long aSize = (long) m * k;
        long bSize = (long) k * k;
        try (FloatPointer a = filled(aSize, 1); FloatPointer b = filled(bSize, 2);
             FloatPointer c = new FloatPointer(aSize)) {
            double best = Double.POSITIVE_INFINITY;
            for (int run = 0; run <= runs; run++) { // run 0 warms up
                long t0 = System.nanoTime();
                openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, m, k, k,
                        1f, a, k, b, k, 0f, c, k);
                double s = (System.nanoTime() - t0) / 1e9;
                best = run == 0 ? best : Math.min(best, s);
            }
            return 2.0 * m * k * k / best / 1e9;
        }
    }

    private static FloatPointer filled(long size, long seed) {
        FloatPointer p = new FloatPointer(size);
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        float[] chunk = new float[1 << 20];
        for (long off = 0; off < size; off += chunk.length) {
            int len = (int) Math.min(chunk.length, size - off);
            for (int i = 0; i < len; i++) {
                chunk[i] = (float) random.nextGaussian();
            }
            p.position(off).put(chunk, 0, len);
        }
        return p.position(0);
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " / " + fields[1] + " / " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }
}
