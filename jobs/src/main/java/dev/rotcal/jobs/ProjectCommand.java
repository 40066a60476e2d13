package dev.rotcal.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotcal.jobs.bench.RunProjection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rotcal project METRICS}: a full model's calibration time on clusters of several sizes, projected from a
 * measured run of the same shape with few layers ({@link RunProjection}); prints a markdown table.
 */
@Command(name = "project", mixinStandardHelpOptions = true,
        description = "Projects a calibration's wall time on clusters from a measured run's metrics.json.")
public final class ProjectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "METRICS", description = "metrics.json of a measured run (a local file)")
    Path metrics;

    @Option(names = "--measured-cores", description = "task slots of the measured run (local[2]: 2; default 2)")
    int measuredCores = 2;

    @Option(names = "--sequence-length", description = "tokens per window of the measured run (default 2048)")
    int sequenceLength = 2048;

    @Option(names = "--layers", required = true, description = "layers of the full model (LLaMA-3-8B: 32, 70B: 80)")
    int layers;

    @Option(names = "--windows", description = "DFRot windows (rotcal.data.sequences; default 1)")
    int windows = 1;

    @Option(names = "--scales-windows", description = "scales windows (rotcal.scales.sequences; default 128)")
    int scalesWindows = 128;

    @Option(names = "--iterations", description = "refine iterations (rotcal.refine.iterations; default 100)")
    int iterations = 100;

    @Option(names = "--executors", split = ",", description = "cluster sizes (default 16,64)")
    List<Integer> executors = new ArrayList<>(List.of(16, 64));

    @Option(names = "--cores", description = "cores per executor (default 8)")
    int cores = 8;

    @Option(names = "--solve-seconds", description = "the driver's Procrustes solve per iteration, measured apart"
            + " (e.g. the procrustes benchmark at the full model's d) instead of the run's: a run with fewer rows than d"
            + " solves with dgesdd, a full model with the eigen solver")
    Double solveSeconds;

    @Override
    public Integer call() {
        try {
            JsonNode root = new ObjectMapper().readTree(Files.readAllBytes(metrics));
            RunProjection.Measured measured = RunProjection.Measured.of(root, measuredCores, sequenceLength);
            RunProjection.Measured m = solveSeconds == null ? measured : measured.withSolveSeconds(solveSeconds);
            RunProjection.Target t = new RunProjection.Target(layers, windows, scalesWindows, iterations);
            List<RunProjection.Projection> p = executors.stream()
                    .map(e -> RunProjection.project(m, t, e, cores)).toList();
            System.out.print(RunProjection.table(m, t, p));
            return 0;
        } catch (Exception e) {
            CliErrors.log("project", e);
            CliErrors.Report report = CliErrors.report(e, java.util.Set.of());
            System.err.println(report.line());
            return report.exitCode();
        }
    }
}
