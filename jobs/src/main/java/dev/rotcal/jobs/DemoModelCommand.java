package dev.rotcal.jobs;

import dev.rotcal.demo.DemoCorpus;
import dev.rotcal.demo.DemoCorpusSpec;
import dev.rotcal.demo.DemoMechanism;
import dev.rotcal.demo.DemoModel;
import dev.rotcal.demo.DemoModelSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rotcal demo-model}: writes the demo checkpoint (a tiny LLaMA with a planted massive-activation
 * mechanism, see dev.rotcal.demo) and its calibration corpus into one folder, then prints each file with its
 * size and where the mechanism is. The default folder is where conf/demo.conf reads the model and the
 * calibration tokens. A failure prints one line and exits 1.
 */
@Command(name = "demo-model", mixinStandardHelpOptions = true,
        description = "Writes the demo model (tiny LLaMA checkpoint with planted massive activations) and its"
                + " calibration corpus into one folder.")
public final class DemoModelCommand implements Callable<Integer> {
    /** The folder conf/demo.conf reads (relative to the directory rotcal runs in). */
    public static final String DEFAULT_OUT = "out/demo-model";

    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = DEFAULT_OUT, paramLabel = "DIR",
            description = "Folder to write (created if missing; files of the same name are replaced)."
                    + " Default: ${DEFAULT-VALUE}, where conf/demo.conf looks.")
    Path out;

    @Option(names = "--seed", defaultValue = "" + DemoModelSpec.DEFAULT_SEED, paramLabel = "N",
            description = "Seed of the weights, the planted channels and the corpus. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        Path dir = out.toAbsolutePath().normalize();
        DemoModelSpec model = DemoModelSpec.defaults().withSeed(seed);
        DemoCorpusSpec defaults = DemoCorpusSpec.defaults();
        DemoMechanism mechanism;
        DemoCorpus.Written corpus;
        List<String> lines = new ArrayList<>();
        try {
            mechanism = DemoModel.write(dir, model);
            corpus = DemoCorpus.write(dir, model,
                    new DemoCorpusSpec(defaults.calibrationTokens(), defaults.evaluationTokens(), seed));
            for (String file : concat(DemoModel.FILES, DemoCorpus.FILES)) {
                lines.add(String.format(Locale.ROOT, "  %-26s %,12d bytes", file, Files.size(dir.resolve(file))));
            }
        } catch (IllegalArgumentException | UncheckedIOException | IOException e) {
            spec.commandLine().getErr().println("rotcal demo-model: " + e.getMessage());
            return 1;
        }
        stdout.printf("Wrote the demo model and its corpus (seed %d) to %s:%n", seed, dir);
        lines.forEach(stdout::println);
        stdout.println(summary(mechanism, corpus));
        stdout.flush();
        return 0;
    }

    /** Where the planted mechanism is, in a few lines. */
    static String summary(DemoMechanism m, DemoCorpus.Written corpus) {
        DemoModelSpec s = m.spec();
        return String.format(Locale.ROOT, "Model: llama, hidden %d, %d layers, %d heads / %d KV heads, intermediate"
                        + " %d, vocab %d, BF16.%n"
                        + "Planted: massive channels %s, written by the MLP of layer %d at position 0 of every"
                        + " sequence %s and at every delimiter \"\\n\" (token id %d) %s; common-token outlier"
                        + " channels %s.%n"
                        + "Corpus: %,d calibration and %,d evaluation tokens (%s, %s).",
                s.hiddenSize(), s.numLayers(), s.numHeads(), s.numKvHeads(), s.intermediateSize(), s.vocabSize(),
                Arrays.toString(m.channels().massive()), m.plantedLayer(),
                Arrays.toString(DemoMechanism.firstTokenValues()), m.delimiterTokenId(),
                Arrays.toString(DemoMechanism.delimiterValues()), Arrays.toString(m.channels().outliers()),
                corpus.calibrationTokens(), corpus.evaluationTokens(), DemoCorpus.CALIBRATION_NPY,
                DemoCorpus.EVALUATION_NPY);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
