package dev.rotcal.jobs;

import dev.rotcal.demo.DemoCorpus;
import dev.rotcal.demo.DemoCorpusSpec;
import dev.rotcal.demo.DemoMechanism;
import dev.rotcal.demo.DemoModel;
import dev.rotcal.demo.DemoModelSpec;
import dev.rotcal.demo.ModelShape;
import dev.rotcal.demo.ShapeWidths;
import dev.rotcal.demo.ShapedMechanism;
import dev.rotcal.demo.ShapedModel;
import dev.rotcal.demo.ShapedModelSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rotcal demo-model}: writes the demo checkpoint (a tiny LLaMA with a planted massive-activation
 * mechanism, see dev.rotcal.demo) and its calibration corpus into one folder, then prints each file with its
 * size and where the mechanism is. The default folder is where conf/demo.conf reads the model and the
 * calibration tokens. With {@code --shape} it writes a real-shaped test model instead ({@link ShapedModel}: a
 * real model's config.json with N layers, sharded BF16 weights with the same planted mechanism at the real
 * width, and token files). A failure prints one line and exits 1.
 */
@Command(name = "demo-model", mixinStandardHelpOptions = true,
        description = {"Writes the demo model (tiny LLaMA checkpoint with planted massive activations) and its"
                + " calibration corpus into one folder.",
            "With --shape and --layers: a real-shaped test model instead (a real model's config.json with N layers,"
                    + " sharded BF16 weights with the planted mechanism at the real width, calibration and"
                    + " evaluation token files)."})
public final class DemoModelCommand implements Callable<Integer> {
    /** The folder conf/demo.conf reads (relative to the directory rotcal runs in). */
    public static final String DEFAULT_OUT = "out/demo-model";

    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Folder to write (created if missing; files of the same name are replaced)."
                    + " Default: " + DEFAULT_OUT + ", where conf/demo.conf looks; with --shape, out/demo-SHAPE-Nl.")
    Path out;

    @Option(names = "--seed", defaultValue = "" + DemoModelSpec.DEFAULT_SEED, paramLabel = "N",
            description = "Seed of the weights, the planted channels and the corpus. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--shape", paramLabel = "SHAPE", description = "Write a real-shaped test model: one of"
            + " llama3-8b, llama3-70b, llama2-7b, mistral-7b, qwen2-7b (needs --layers).")
    String shape;

    @Option(names = "--layers", paramLabel = "N", description = "With --shape: decoder layers to write (1 up to"
            + " the real model's; the massive values are planted in layer 1, or layer 0 for one layer).")
    Integer layers;

    @Option(names = "--calibration-windows", paramLabel = "W", description = "With --shape: windows in"
            + " calibration-tokens.npy. Default: " + ShapedModelSpec.DEFAULT_CALIBRATION_WINDOWS + ".")
    Integer calibrationWindows;

    @Option(names = "--evaluation-windows", paramLabel = "E", description = "With --shape: windows in"
            + " evaluation-tokens.npy. Default: " + ShapedModelSpec.DEFAULT_EVALUATION_WINDOWS + ".")
    Integer evaluationWindows;

    @Option(names = "--window-tokens", paramLabel = "T", description = "With --shape: tokens per window."
            + " Default: " + ShapedModelSpec.DEFAULT_WINDOW_TOKENS + ".")
    Integer windowTokens;

    @Override
    public Integer call() {
        if (shape != null || layers != null || calibrationWindows != null || evaluationWindows != null
                || windowTokens != null) {
            return writeShaped();
        }
        PrintWriter stdout = spec.commandLine().getOut();
        Path dir = (out == null ? Path.of(DEFAULT_OUT) : out).toAbsolutePath().normalize();
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

    /** {@code --shape}: the real-shaped model. */
    private Integer writeShaped() {
        PrintWriter stdout = spec.commandLine().getOut();
        ShapedModel.Written written;
        try {
            if (shape == null) {
                throw new IllegalArgumentException("--layers, --calibration-windows, --evaluation-windows and"
                        + " --window-tokens go with --shape (one of " + ModelShape.cliNames() + ")");
            }
            ModelShape modelShape = ModelShape.fromCliName(shape).orElseThrow(() -> new IllegalArgumentException(
                    "--shape " + shape + " is not a known shape (known: " + ModelShape.cliNames() + ")"));
            if (layers == null) {
                throw new IllegalArgumentException("--shape " + shape + " needs --layers N (1.."
                        + modelShape.realLayers() + ")");
            }
            ShapedModelSpec model = ShapedModelSpec.of(modelShape, layers).withSeed(seed).withWindows(
                    calibrationWindows == null ? ShapedModelSpec.DEFAULT_CALIBRATION_WINDOWS : calibrationWindows,
                    evaluationWindows == null ? ShapedModelSpec.DEFAULT_EVALUATION_WINDOWS : evaluationWindows,
                    windowTokens == null ? ShapedModelSpec.DEFAULT_WINDOW_TOKENS : windowTokens);
            Path dir = (out == null ? Path.of("out", "demo-" + shape + "-" + layers + "l") : out)
                    .toAbsolutePath().normalize();
            written = ShapedModel.write(dir, model);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            spec.commandLine().getErr().println("rotcal demo-model: " + e.getMessage());
            return 1;
        }
        stdout.printf(Locale.ROOT, "Wrote %s with %d layer%s (seed %d) to %s in %.1f s:%n", shape, layers,
                layers == 1 ? "" : "s", seed, written.dir(), written.seconds());
        for (Map.Entry<String, Long> file : written.files().entrySet()) {
            stdout.println(String.format(Locale.ROOT, "  %-34s %,15d bytes", file.getKey(), file.getValue()));
        }
        stdout.println(shapedSummary(written));
        stdout.flush();
        return 0;
    }

    /** What the real-shaped model is and where its mechanism is, in a few lines. */
    static String shapedSummary(ShapedModel.Written w) {
        ShapedMechanism m = w.mechanism();
        ShapedModelSpec s = m.spec();
        ShapeWidths widths = s.widths();
        String where = m.firstTokenMassive()
                ? String.format(Locale.ROOT, "at position 0 of every window %s and at every delimiter \"\\n\" (token id"
                        + " %d) %s", Arrays.toString(DemoMechanism.firstTokenValues()), m.delimiterTokenId(),
                Arrays.toString(DemoMechanism.delimiterValues()))
                : String.format(Locale.ROOT, "at every delimiter \"\\n\" (token id %d) %s; with one layer position 0 is"
                        + " not massive (its detector is layer 0's MLP)", m.delimiterTokenId(),
                Arrays.toString(DemoMechanism.delimiterValues()));
        return String.format(Locale.ROOT, "Model: %s (config.json of %s), hidden %d, %d of %d layers, %d heads / %d KV"
                        + " heads, head_dim %d, intermediate %d, vocab %d, BF16, %d shard%s, %,d bytes of weights.%n"
                        + "Planted: massive channels %s, written by the MLP of layer %d %s; common-token outlier"
                        + " channels %s.%n"
                        + "Tokens: %s %,d ids (%s of %d, %s), %s %,d ids (%s, %s); calibrate with"
                        + " sequence-length %d and sequences %d to use exactly these windows.",
                m.config().family().modelType(), s.shape().hubId(), widths.hidden(), s.layers(), s.shape().realLayers(),
                widths.heads(), widths.kvHeads(), widths.headDim(), widths.intermediate(), widths.vocab(), w.shards(),
                w.shards() == 1 ? "" : "s", w.weightBytes(), Arrays.toString(m.channels().massive()),
                m.plantedLayer(), where, Arrays.toString(m.channels().outliers()), ShapedModel.CALIBRATION_NPY,
                w.calibrationIds(), count(s.calibrationWindows(), "window"), s.windowTokens(),
                count(w.calibrationDelimiters(), "delimiter"), ShapedModel.EVALUATION_NPY, w.evaluationIds(),
                count(s.evaluationWindows(), "window"), count(w.evaluationDelimiters(), "delimiter"),
                s.windowTokens(), s.calibrationWindows());
    }

    /** "1 window", "2 windows". */
    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
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
