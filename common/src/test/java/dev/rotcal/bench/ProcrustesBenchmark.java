package dev.rotcal.bench;

import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.linalg.EigenProcrustesSolver;
import dev.rotcal.linalg.MatrixNorms;
import dev.rotcal.linalg.NewtonSchulzProcrustesSolver;
import dev.rotcal.linalg.Orthogonality;
import dev.rotcal.linalg.Precision;
import dev.rotcal.linalg.ProcrustesProblems;
import dev.rotcal.linalg.ProcrustesSolver;
import dev.rotcal.linalg.SvdProcrustesSolver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Speed and accuracy of every {@link ProcrustesSolver} on DFRot-shaped inputs; prints a markdown table.
 *
 * <p>C = Aᵀ·Q(A·R0) from {@link ProcrustesProblems#dfrotShaped}: n = 4d fused-norm rows with outlier
 * channels and four α = 100 massive rows, 4-bit symmetric per-row Q, R0 random orthogonal. Per solver:
 * wall-clock seconds of {@code solve} (best of 3 at d ≤ 1024, of 2 at d ≤ 2048, one run above),
 * ‖R − R_dgesdd‖_max against the double SVD, ‖RᵀR − I‖_max, and the objective gap
 * 1 − trace(RᵀC)/‖C‖_* (0 for the exact minimizer). BLAS uses every core.
 *
 * <p>Run (from the repository root, one build at a time):
 * {@code mvn -B -o -q -pl common test-compile exec:exec@procrustes-bench}; other sizes with
 * {@code -Dprocrustes.bench.sizes=512,1024}.
 */
public final class ProcrustesBenchmark {
    private ProcrustesBenchmark() {
    }

    private record Row(int d, double kappa, String solver, double seconds, int runs, double differenceToSvd,
                       double orthogonality, double objectiveGap) {
    }

    public static void main(String[] args) {
        String sizes = args.length > 0 ? args[0] : "1024,2048,4096";
        int threads = Runtime.getRuntime().availableProcessors();
        DenseLinearAlgebra.setBlasThreads(threads);
        String loadBefore = loadAverage();
        warmUp();

        List<Row> rows = new ArrayList<>();
        long start = System.nanoTime();
        for (String size : sizes.split(",")) {
            int d = Integer.parseInt(size.trim());
            rows.addAll(measure(d));
        }
        double total = (System.nanoTime() - start) / 1e9;

        StringBuilder table = new StringBuilder();
        table.append(String.format(Locale.ROOT,
                "Procrustes solvers on DFRot-shaped C (n = 4d rows), %d BLAS threads, Java %s, %s%n%n", threads,
                System.getProperty("java.version"), cpuName()));
        table.append("| d | κ(C) | solver | solve s | runs | ‖R − R_dgesdd‖_max | ‖RᵀR − I‖_max | "
                + "1 − tr(RᵀC)/‖C‖_* |\n");
        table.append("|---:|---:|---|---:|---:|---:|---:|---:|\n");
        for (Row row : rows) {
            table.append(String.format(Locale.ROOT, "| %d | %.1e | %s | %.2f | %d | %.1e | %.1e | %.1e |%n",
                    row.d(), row.kappa(), row.solver(), row.seconds(), row.runs(), row.differenceToSvd(),
                    row.orthogonality(), row.objectiveGap()));
        }
        table.append(String.format(Locale.ROOT, "%nTotal %.0f s; load average before %s, after %s (2 cores: "
                + "anything above ~2 means other processes shared the CPU)%n", total, loadBefore, loadAverage()));
        System.out.print(table);
    }

    private static List<ProcrustesSolver> solvers() {
        return List.of(new SvdProcrustesSolver(Precision.DOUBLE), new SvdProcrustesSolver(Precision.FLOAT),
                new EigenProcrustesSolver(Precision.DOUBLE, false), new EigenProcrustesSolver(Precision.FLOAT, false),
                new NewtonSchulzProcrustesSolver());
    }

    private static List<Row> measure(int d) {
        System.err.printf(Locale.ROOT, "d = %d: building C ...%n", d);
        double[] c = ProcrustesProblems.dfrotShaped(Math.multiplyExact(4, d), d, 2024); // (d, d)
        double[] singularValues = DenseLinearAlgebra.singularValues(c, d);
        double nuclear = 0;
        for (double s : singularValues) {
            nuclear += s;
        }
        double kappa = singularValues[0] / singularValues[d - 1];
        int runs = d <= 1024 ? 3 : d <= 2048 ? 2 : 1; // best of `runs` where affordable

        List<Row> rows = new ArrayList<>();
        double[] reference = null; // (d, d) the dgesdd answer, from the first solver
        for (ProcrustesSolver solver : solvers()) {
            double best = Double.POSITIVE_INFINITY;
            double[] r = null;
            for (int run = 0; run < runs; run++) {
                long t0 = System.nanoTime();
                r = solver.solve(c, d);
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            if (reference == null) {
                reference = r;
            }
            double trace = 0;
            for (int i = 0; i < r.length; i++) {
                trace += r[i] * c[i];
            }
            rows.add(new Row(d, kappa, solver.name(), best, runs, MatrixNorms.maxAbsDifference(r, reference),
                    Orthogonality.maxDeviation(r, d), 1 - trace / nuclear));
            System.err.printf(Locale.ROOT, "d = %d: %s %.2f s%n", d, solver.name(), best);
        }
        return rows;
    }

    /** Loads the native libraries and JIT-compiles the Java loops before anything is timed. */
    private static void warmUp() {
        double[] c = ProcrustesProblems.dfrotShaped(512, 128, 1);
        for (ProcrustesSolver solver : solvers()) {
            solver.solve(c, 128);
        }
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
