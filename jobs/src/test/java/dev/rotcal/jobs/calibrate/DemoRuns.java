package dev.rotcal.jobs.calibrate;

import dev.rotcal.artifact.LocalStorage;
import dev.rotcal.artifact.Storage;
import dev.rotcal.artifact.StorageEntry;
import dev.rotcal.demo.DemoCorpus;
import dev.rotcal.demo.DemoCorpusSpec;
import dev.rotcal.demo.DemoMechanism;
import dev.rotcal.demo.DemoModel;
import dev.rotcal.demo.DemoModelSpec;
import dev.rotcal.tokens.InputFile;
import dev.rotcal.tokens.NpyTokenSource;
import dev.rotcal.tokens.TokenWindows;
import dev.rotcal.tokens.WindowSampler;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What the calibration integration tests share: the demo model on disk (with its calibration tokens), the
 * {@code --set} overrides of a small demo run, the massive tokens the demo model plants in a run's windows,
 * and uploads through a {@link Storage}.
 */
public final class DemoRuns {
    /** The demo model's hidden size. */
    static final int D = DemoModelSpec.defaults().hiddenSize();

    private DemoRuns() {
    }

    /** Writes the demo model and its corpus (calibration.npy among them) into {@code dir}/demo-model. */
    public static Path writeDemoModel(Path dir) {
        Path model = dir.resolve("demo-model");
        DemoModel.write(model, DemoModelSpec.defaults());
        DemoCorpus.write(model, DemoModelSpec.defaults(), DemoCorpusSpec.defaults());
        return model;
    }

    /** {@code key="value"} with the value as a quoted HOCON string (URIs contain ':' and '//'). */
    static String set(String key, Object value) {
        return key + "=\"" + value + "\"";
    }

    /**
     * The overrides of a small demo run: model and data URIs, {@code sequences} windows of {@code seqLen}
     * tokens, local[2] with {@code partitions} partitions, {@code iterations} refine steps without the α = 1
     * comparison, checkpoints off; then {@code extra}.
     */
    public static List<String> overrides(String runId, String modelUri, String outputUri, int sequences, int seqLen,
                                  int partitions, int iterations, String... extra) {
        List<String> sets = new ArrayList<>(List.of(
                set("rotcal.run-id", runId),
                set("rotcal.model.uri", modelUri),
                set("rotcal.model.name", "demo"),
                set("rotcal.data.uri", modelUri + "/" + DemoCorpus.CALIBRATION_NPY),
                "rotcal.data.sequence-length=" + seqLen,
                "rotcal.data.sequences=" + sequences,
                "rotcal.scales.sequences=" + sequences,
                set("rotcal.output.uri", outputUri),
                set("rotcal.spark.master", "local[2]"),
                "rotcal.spark.partitions=" + partitions,
                "rotcal.refine.iterations=" + iterations,
                "rotcal.refine.checkpoint-every=0",
                "rotcal.refine.compare-plain-procrustes=false"));
        sets.addAll(List.of(extra));
        return sets;
    }

    /** {@code rotcal.hadoop.<key>="<value>"} for every Hadoop setting. */
    static List<String> hadoopOverrides(Map<String, String> hadoop) {
        List<String> sets = new ArrayList<>();
        hadoop.forEach((k, v) -> sets.add(set("rotcal.hadoop." + k, v)));
        return sets;
    }

    /** The windows a run with these data settings calibrates on (data seed 0, as in reference.conf). */
    static TokenWindows windows(Path model, int sequences, int seqLen) {
        var corpus = new NpyTokenSource().read(InputFile.local(model.resolve(DemoCorpus.CALIBRATION_NPY)));
        return new WindowSampler(seqLen, sequences, 0).sample(corpus);
    }

    /**
     * The tokens the demo model makes massive in these windows, as "sequence:position": position 0 of every
     * window and every occurrence of the delimiter "\n" (rotcal_demo.json).
     */
    static Set<String> plantedMassiveTokens(TokenWindows windows) {
        int delimiter = DemoMechanism.of(DemoModelSpec.defaults()).delimiterTokenId();
        Set<String> planted = new TreeSet<>();
        for (int w = 0; w < windows.count(); w++) {
            int[] ids = windows.window(w);
            for (int p = 0; p < ids.length; p++) {
                if (p == 0 || ids[p] == delimiter) {
                    planted.add(w + ":" + p);
                }
            }
        }
        return planted;
    }

    /** Copies every file of a local folder to {@code targetUri}/name through {@code storage}. */
    static void upload(Storage storage, Path folder, String targetUri) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                try (OutputStream out = storage.create(targetUri + "/" + file.getFileName(), false)) {
                    Files.copy(file, out);
                }
            }
        }
    }

    /** Copies a local folder's files into a new local folder (to break one file of the copy). */
    static Path copyFolder(Path folder, Path target) {
        try (Stream<Path> files = Files.list(folder)) {
            Files.createDirectories(target);
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Relative paths of every file under {@code uri} (recursive; empty when nothing is there). */
    static List<String> filesUnder(Storage storage, String uri) throws IOException {
        return storage.list(uri, true).stream().map(StorageEntry::relativePath).toList();
    }

    /** Relative paths of every file under a local folder. */
    static List<String> filesUnder(Path folder) throws IOException {
        try (LocalStorage storage = new LocalStorage()) {
            return filesUnder(storage, folder.toUri().toString());
        }
    }
}
