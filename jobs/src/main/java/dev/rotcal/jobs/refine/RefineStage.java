package dev.rotcal.jobs.refine;

import dev.rotcal.dfrot.ClassErrorSums;
import dev.rotcal.dfrot.DfrotRefiner;
import dev.rotcal.jobs.capture.ActivationChunk;
import dev.rotcal.jobs.config.RefineSettings;
import dev.rotcal.linalg.RandomizedHadamard;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage "refine": DFRot's loop ({@link DfrotRefiner}, the same code as the single-machine reference) over
 * the rows on the cluster ({@link SparkRows}), checkpointing R every k steps; then the per-class 4-bit errors
 * of the rows with no rotation, R0, randomized Hadamard and the refined R — and, when asked, of plain
 * Procrustes (α = 1) from the same start, the comparison DFRot's paper makes.
 */
public final class RefineStage {
    private static final Logger LOG = LoggerFactory.getLogger(RefineStage.class);

    /**
     * @param dfrot           the refinement (R, per-step history, final loss)
     * @param plainProcrustes the α = 1 refinement from the same start, when requested
     * @param errors          per-class error sums by rotation: "none", "random_hadamard", "r0", "dfrot",
     *                        "plain_procrustes"
     */
    public record Outcome(DfrotRefiner.Result dfrot, Optional<DfrotRefiner.Result> plainProcrustes,
                          Map<String, ClassErrorSums> errors) {
    }

    /** How the stage runs: BLAS threads per task and on the driver, resume, the α = 1 comparison. */
    /** @param rows the calibration rows when known (a C from fewer rows than d is rank-deficient), else -1 */
    public record Options(int blasThreadsPerTask, int driverThreads, boolean resume, boolean comparePlainProcrustes,
                          long rows) {
        public Options(int blasThreadsPerTask, int driverThreads, boolean resume, boolean comparePlainProcrustes) {
            this(blasThreadsPerTask, driverThreads, resume, comparePlainProcrustes, -1);
        }

    }

    private RefineStage() {
    }

    public static Outcome run(JavaSparkContext sc, JavaRDD<ActivationChunk> rows, long[] massiveKeys, int d,
                              RefineSettings settings, Options options, RefineCheckpoint checkpoint,
                              String compatibility) {
        Broadcast<long[]> keys = sc.broadcast(massiveKeys);
        try {
            DfrotRefiner.Settings loop = new DfrotRefiner.Settings(settings.iterations(), settings.alpha(),
                    settings.init() == RefineSettings.Init.RANDOM_HADAMARD ? DfrotRefiner.Init.RANDOMIZED_HADAMARD
                            : DfrotRefiner.Init.RANDOM_ORTHOGONAL, settings.seed(),
                    new DriverSolver(settings.solver(), options.driverThreads(), options.rows(), d));
            DfrotRefiner refiner = new DfrotRefiner(loop);
            double[] r0 = refiner.initialRotation(d);
            DfrotRefiner.Start start = DfrotRefiner.Start.fresh(r0);
            if (options.resume()) {
                Optional<DfrotRefiner.Start> saved = checkpoint.load(d, compatibility);
                if (saved.isPresent()) {
                    start = saved.get();
                    LOG.info("refine: resuming after step {} from {}", start.history().size(), checkpoint.uri());
                } else {
                    LOG.warn("refine: --resume given but no checkpoint at {}; starting from R0", checkpoint.uri());
                }
            }
            SparkRows weighted = new SparkRows(sc, rows, keys, settings.alpha(), d, options.blasThreadsPerTask(),
                    "refine alpha=" + settings.alpha(), settings.bits(), (float) settings.clipRatio());
            List<DfrotRefiner.Iteration> history = new ArrayList<>(start.history());
            DfrotRefiner.Result dfrot = refiner.refine(weighted, start, (step, r) -> {
                history.add(step);
                if (settings.checkpointAfter(step.iteration())) {
                    checkpoint.save(r, d, history, compatibility);
                }
            });

            Map<String, ClassErrorSums> errors = new LinkedHashMap<>();
            errors.put("none", weighted.accumulate(identity(d)).loss().errors());
            errors.put("r0", dfrot.initialErrors());
            errors.put("random_hadamard", loop.init() == DfrotRefiner.Init.RANDOMIZED_HADAMARD ? dfrot.initialErrors()
                    : weighted.accumulate(RandomizedHadamard.matrix(d, settings.seed())).loss().errors());
            errors.put("dfrot", dfrot.finalErrors());
            Optional<DfrotRefiner.Result> plain = Optional.empty();
            if (options.comparePlainProcrustes()) {
                SparkRows unweighted = new SparkRows(sc, rows, keys, 1.0, d, options.blasThreadsPerTask(),
                        "refine alpha=1 (plain Procrustes, for comparison)", settings.bits(),
                        (float) settings.clipRatio());
                plain = Optional.of(new DfrotRefiner(loop.withAlpha(1)).refine(unweighted,
                        DfrotRefiner.Start.fresh(r0), (step, r) -> { }));
                errors.put("plain_procrustes", plain.get().finalErrors());
            }
            errors.forEach((name, e) -> LOG.info("refine: mean 4-bit error with {}: common {} massive {}", name,
                    String.format("%.4f", e.commonMean()), String.format("%.4f", e.massiveMean())));
            return new Outcome(dfrot, plain, errors);
        } finally {
            keys.destroy();
        }
    }

    private static double[] identity(int d) {
        double[] eye = new double[d * d];
        for (int i = 0; i < d; i++) {
            eye[i * d + i] = 1;
        }
        return eye;
    }
}
