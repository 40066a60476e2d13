package dev.rotcal.jobs.scales;

import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.Storage;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.NativeLayerWeights;
import dev.rotcal.model.safetensors.SafetensorsFile;
import dev.rotcal.quant.IntQuantizer;
import dev.rotcal.quant.IntScales;
import dev.rotcal.quant.IntScheme;
import dev.rotcal.scales.Int4Packing;
import dev.rotcal.scales.LinearGroup;
import dev.rotcal.scales.LinearScalesSolver;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The GPTQ weights of the staged layer files, read by the executors that run a layer with them (the sequential
 * scales pass and the evaluation; never the driver: at LLaMA-3-8B widths one layer's dequantized weights are
 * 0.87 GB), so both use exactly the published codes.
 *
 * @param storage    where the staging area is
 * @param stagingUri the run's staging folder (holding layers/layer-{i:03d}.safetensors)
 */
public record StagedGptqWeights(Storage storage, String stagingUri) implements Serializable {

    /** Layer {@code layer}'s GPTQ weights, linear name → (out, in) dequantized. */
    public Map<String, float[]> read(int layer, DecoderShape shape, LinearScalesSolver.Options options) {
        Map<String, float[]> out = new HashMap<>();
        String uri = layerUri(layer);
        try (SafetensorsFile file = SafetensorsFile.open(storage.openByteSource(uri))) {
            for (LinearGroup group : LinearGroup.values()) {
                for (String linear : group.linears()) {
                    out.put(linear, dequantize(file, group, layer, linear, shape, options));
                }
            }
        } catch (IOException e) {
            throw cannotRead(layer, uri, e);
        }
        return out;
    }

    /**
     * {@code rotated}'s norms and biases with layer {@code layer}'s GPTQ weights as its projections, dequantized one
     * linear at a time straight into native memory (at LLaMA-3-70B widths one linear is 0.9 GiB on the heap instead
     * of the layer's 3.2 GiB). {@code rotated}'s own projections are not read: it may be closed.
     */
    public NativeLayerWeights replaceProjections(int layer, NativeLayerWeights rotated,
                                                 LinearScalesSolver.Options options) {
        String uri = layerUri(layer);
        try (SafetensorsFile file = SafetensorsFile.open(storage.openByteSource(uri))) {
            return rotated.withProjections(linear -> {
                try {
                    return dequantize(file, LinearGroup.of(linear), layer, linear, rotated.shape(), options);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw cannotRead(layer, uri, e instanceof UncheckedIOException u ? u.getCause() : (IOException) e);
        }
    }

    private String layerUri(int layer) {
        return stagingUri + "/" + ArtifactLayout.layerFile(layer);
    }

    private static float[] dequantize(SafetensorsFile file, LinearGroup group, int layer, String linear,
                                      DecoderShape shape, LinearScalesSolver.Options options) throws IOException {
        IntScheme scheme = options.intScheme().forWeights();
        String prefix = group.prefix(layer, linear);
        int rows = LinearGroup.outWidth(shape, linear);
        int cols = LinearGroup.inWidth(shape, linear);
        byte[] codes = LinearScalesSolver.packsInt32(options.bits(), cols)
                ? Int4Packing.unpackInt32(file.read(prefix + ".gptq.weight_packed").ints(), rows, cols)
                : (byte[]) file.read(prefix + ".gptq.weight_codes").values();
        float[] scales = file.readFloats(prefix + ".gptq.weight_scale");
        float[] w = new float[rows * cols];
        IntQuantizer.dequantize(codes, w, rows, cols, scheme, new IntScales(scales, new int[scales.length]));
        return w;
    }

    private static UncheckedIOException cannotRead(int layer, String uri, IOException e) {
        return new UncheckedIOException("Cannot read the GPTQ weights of layer " + layer + " from " + uri + ": "
                + e.getMessage(), e);
    }
}
