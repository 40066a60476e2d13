package dev.rotcal.jobs.dumps;

import dev.rotcal.artifact.Sha256;
import dev.rotcal.artifact.Storage;
import dev.rotcal.artifact.StorageEntry;
import dev.rotcal.io.ByteSource;
import dev.rotcal.jobs.capture.RowSite;
import dev.rotcal.jobs.config.SettingsException;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.SafetensorsHeader;
import dev.rotcal.model.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's reading of activation dumps: lists the files, reads each header (never the data) and checks
 * the format of {@link ActivationDumps}, failing with one line that names the file and the tensor.
 */
final class DumpHeaders {
    private static final Logger LOG = LoggerFactory.getLogger(DumpHeaders.class);
    private static final Pattern LAYER_TENSOR = Pattern.compile("model\\.layers\\.(\\d{1,9})\\.(attn_in|mlp_in)");
    /** Row keys hold 14 bits of layer and 24 bits each of sequence and position ({@code RowKeys}). */
    private static final int MAX_LAYERS = 1 << 14;
    private static final int MAX_INDEX = 1 << 24;

    /** A tensor found in a header, with its shape. */
    private record Found(DumpTensor tensor, List<Long> shape) {
        long rows() {
            return shape.get(0);
        }

        long width() {
            return shape.size() > 1 ? shape.get(1) : 0;
        }
    }

    /** A metadata value and the file that declared it. */
    private record Declared(int value, String file) {
    }

    private final String uri;
    private final Map<Integer, Found[]> layers = new TreeMap<>(); // layer → [attn_in, mlp_in]
    private final List<String> ignored = new ArrayList<>();
    private final StringBuilder index = new StringBuilder(); // what the fingerprint covers
    private Found inputIds;
    private Declared sequenceLength;
    private Declared hiddenSize;

    private DumpHeaders(String uri) {
        this.uri = uri;
    }

    static ActivationDumps read(Storage storage, String uri) throws IOException {
        DumpHeaders dumps = new DumpHeaders(uri);
        List<String> files = files(storage, uri);
        for (String file : files) {
            try (ByteSource source = storage.openByteSource(file)) {
                dumps.add(file, SafetensorsHeader.read(source));
            }
        }
        return dumps.validated(files);
    }

    private static List<String> files(Storage storage, String uri) throws IOException {
        List<StorageEntry> entries = storage.list(uri, false);
        if (entries.size() == 1 && !entries.get(0).directory() && entries.get(0).uri().equals(uri)) {
            return List.of(uri); // the dump is one file
        }
        List<String> files = entries.stream().filter(e -> !e.directory() && e.relativePath().endsWith(".safetensors"))
                .map(StorageEntry::uri).toList();
        if (files.isEmpty()) {
            throw new SettingsException("Cannot read activation dumps " + uri + ": the folder holds no *.safetensors"
                    + " file (point rotcal.activations.uri at a dump file or a folder of them)");
        }
        return files;
    }

    private void add(String file, SafetensorsHeader header) {
        index.append(file.substring(file.lastIndexOf('/') + 1)).append('\n');
        header.metadata().forEach((k, v) -> index.append("  ").append(k).append('=').append(v).append('\n'));
        sequenceLength = declare(file, header, ActivationDumps.SEQUENCE_LENGTH, sequenceLength);
        hiddenSize = declare(file, header, ActivationDumps.HIDDEN_SIZE, hiddenSize);
        for (TensorInfo info : header.tensors().values()) {
            index.append("  ").append(info.name()).append(':').append(info.dtype()).append(':').append(info.shape())
                    .append(':').append(info.begin()).append('-').append(info.end()).append('\n');
            Matcher layerTensor = LAYER_TENSOR.matcher(info.name());
            if (info.name().equals(ActivationDumps.INPUT_IDS)) {
                addInputIds(file, info);
            } else if (layerTensor.matches()) {
                addRows(file, info, Integer.parseInt(layerTensor.group(1)),
                        layerTensor.group(2).equals(RowSite.ATTENTION_INPUT.label()) ? RowSite.ATTENTION_INPUT
                                : RowSite.MLP_INPUT);
            } else {
                ignored.add(info.name());
            }
        }
    }

    private void addInputIds(String file, TensorInfo info) {
        check(info.dtype() == SafetensorsDtype.I32 || info.dtype() == SafetensorsDtype.I64,
                "Cannot read activation dump %s: tensor input_ids is %s, expected I32 or I64 (the token id of every"
                        + " row)", file, info.dtype());
        check(info.shape().size() == 1, "Cannot read activation dump %s: tensor input_ids has shape %s, expected"
                + " [rows] (the token id of every row)", file, info.shape());
        if (inputIds != null) {
            throw inBothFiles(info.name(), inputIds, file);
        }
        inputIds = new Found(new DumpTensor(file, info.name(), info.dtype()), info.shape());
    }

    private void addRows(String file, TensorInfo info, int layer, RowSite site) {
        check(layer < MAX_LAYERS, "Cannot read activation dump %s: tensor %s names layer %d, beyond rotcal's %d"
                + " layers", file, info.name(), layer, MAX_LAYERS);
        check(info.dtype().isFloating(), "Cannot read activation dump %s: tensor %s is %s, expected F32, F16 or BF16"
                + " (the norm output x / rms(x) as floats)", file, info.name(), info.dtype());
        check(info.shape().size() == 2, "Cannot read activation dump %s: tensor %s has shape %s, expected [rows,"
                + " hidden size]", file, info.name(), info.shape());
        Found[] sites = layers.computeIfAbsent(layer, l -> new Found[RowSite.values().length]);
        Found previous = sites[site.ordinal()];
        if (previous != null) {
            throw inBothFiles(info.name(), previous, file);
        }
        sites[site.ordinal()] = new Found(new DumpTensor(file, info.name(), info.dtype()), info.shape());
    }

    /** Reads a positive-integer metadata value, which every file that has it must agree on. */
    private Declared declare(String file, SafetensorsHeader header, String key, Declared earlier) {
        String text = header.metadata().get(key);
        if (text == null) {
            return earlier;
        }
        int value = -1;
        try {
            value = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            // reported below
        }
        check(value > 0, "Cannot read activation dump %s: __metadata__ %s = \"%s\" is not a positive integer",
                file, key, text);
        if (earlier == null) {
            return new Declared(value, file);
        }
        check(earlier.value() == value, "Cannot read activation dumps %s: __metadata__ %s is %d in %s but %d in %s (the"
                + " files must describe the same tokens)", uri, key, earlier.value(), earlier.file(), value, file);
        return earlier;
    }

    private ActivationDumps validated(List<String> files) {
        check(!layers.isEmpty(), "Cannot read activation dumps %s: none of its %d files has a tensor named"
                        + " model.layers.{i}.attn_in or model.layers.{i}.mlp_in%s (write the input_layernorm and"
                        + " post_attention_layernorm outputs without the gain under these names)", uri, files.size(),
                ignored.isEmpty() ? "" : " (it has " + String.join(", ",
                        ignored.subList(0, Math.min(3, ignored.size()))) + (ignored.size() > 3 ? ", …" : "") + ")");
        int layerCount = layers.keySet().stream().mapToInt(Integer::intValue).max().getAsInt() + 1;
        List<DumpTensor> tensors = new ArrayList<>();
        Found reference = null;
        for (int layer = 0; layer < layerCount; layer++) {
            Found[] sites = layers.get(layer);
            check(sites != null, "Cannot read activation dumps %s: layer %d is missing but layer %d is there (layers"
                            + " are numbered from 0 without gaps: write %s and %s)", uri, layer, layerCount - 1,
                    ActivationDumps.tensorName(layer, RowSite.ATTENTION_INPUT),
                    ActivationDumps.tensorName(layer, RowSite.MLP_INPUT));
            for (RowSite site : RowSite.values()) {
                Found found = sites[site.ordinal()];
                if (found == null) {
                    Found other = sites[1 - site.ordinal()];
                    throw new SettingsException(String.format("Cannot read activation dumps %s: layer %d has %s (in"
                                    + " %s) but no %s (every layer needs both norm outputs: write %s)", uri, layer,
                            other.tensor().name(), other.tensor().file(), ActivationDumps.tensorName(layer, site),
                            ActivationDumps.tensorName(layer, site)));
                }
                if (reference == null) {
                    reference = found;
                } else {
                    checkSameShape(found, reference);
                }
                tensors.add(found.tensor());
            }
        }
        long rows = reference.rows();
        long d = reference.width();
        check(rows > 0 && d > 0, "Cannot read activation dump %s: tensor %s has shape %s, no rows to calibrate on",
                reference.tensor().file(), reference.tensor().name(), reference.shape());
        check(rows <= Integer.MAX_VALUE && d <= Integer.MAX_VALUE, "Cannot read activation dump %s: tensor %s has"
                        + " shape %s, more rows or channels than rotcal handles (split the dump into fewer tokens)",
                reference.tensor().file(), reference.tensor().name(), reference.shape());
        if (hiddenSize != null) {
            check(hiddenSize.value() == d, "Cannot read activation dump %s: __metadata__ hidden_size = %d but tensor"
                            + " %s (in %s) is %d wide", hiddenSize.file(), hiddenSize.value(),
                    reference.tensor().name(), reference.tensor().file(), d);
        }
        if (inputIds != null) {
            check(inputIds.rows() == rows, "Cannot read activation dump %s: tensor input_ids has %d ids but %s (in %s)"
                            + " has %d rows (input_ids holds the token id of every row)", inputIds.tensor().file(),
                    inputIds.rows(), reference.tensor().name(), reference.tensor().file(), rows);
        }
        int seqLen = (int) rows;
        if (sequenceLength != null) {
            seqLen = sequenceLength.value();
            check(rows % seqLen == 0, "Cannot read activation dumps %s: %d rows are not whole sequences of"
                    + " __metadata__ sequence_length = %d (in %s)", uri, rows, seqLen, sequenceLength.file());
        }
        check(seqLen < MAX_INDEX && rows / seqLen < MAX_INDEX, "Cannot read activation dumps %s: %d sequences of %d"
                + " rows exceed rotcal's %d sequences or positions (set __metadata__ sequence_length to the"
                + " length of the sequences)", uri, rows / seqLen, seqLen, MAX_INDEX - 1);
        if (!ignored.isEmpty()) {
            LOG.warn("activation dumps {}: ignoring {} tensors that are not attn_in, mlp_in or input_ids, e.g. {}", uri,
                    ignored.size(), ignored.get(0));
        }
        String fingerprint = Sha256.of(index.toString().getBytes(StandardCharsets.UTF_8));
        ActivationDumps dumps = new ActivationDumps(uri, files, (int) d, layerCount, (int) rows, seqLen, tensors,
                inputIds == null ? null : inputIds.tensor(), fingerprint);
        LOG.info("activation dumps {}: {} files, {} layers × 2 sites of {} rows ({} sequences of {}) × {} channels,"
                + " {}", uri, files.size(), layerCount, rows, dumps.sequences(), seqLen, d,
                inputIds == null ? "no input_ids" : "with input_ids");
        return dumps;
    }

    private static void checkSameShape(Found found, Found reference) {
        check(found.width() == reference.width(), "Cannot read activation dump %s: tensor %s is %d wide but %s (in %s)"
                        + " is %d wide (every tensor is [rows, hidden size] of one model)", found.tensor().file(),
                found.tensor().name(), found.width(), reference.tensor().name(), reference.tensor().file(),
                reference.width());
        check(found.rows() == reference.rows(), "Cannot read activation dump %s: tensor %s has %d rows but %s (in %s)"
                        + " has %d (every tensor holds the same tokens in the same order)", found.tensor().file(),
                found.tensor().name(), found.rows(), reference.tensor().name(), reference.tensor().file(),
                reference.rows());
    }

    private SettingsException inBothFiles(String tensor, Found first, String file) {
        return new SettingsException(String.format("Cannot read activation dumps %s: tensor %s is in both %s and %s"
                + " (each tensor belongs in one file)", uri, tensor, first.tensor().file(), file));
    }

    private static void check(boolean ok, String format, Object... args) {
        if (!ok) {
            throw new SettingsException(String.format(format, args));
        }
    }
}
