package dev.rotcal.artifact;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.SafetensorsFile;
import dev.rotcal.model.safetensors.SafetensorsWriter;
import dev.rotcal.model.safetensors.Tensor;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * rotation.safetensors: the residual rotation {@code R1} [d, d] float32 in the row-vector convention
 * (x_rot = x · R1; fold as W·R1 into q/k/v/gate/up/lm_head/embeddings and R1ᵀ·W into o_proj/down_proj),
 * optionally per-layer {@code model.layers.{i}.self_attn.R2} [head_dim, head_dim] (SpinQuant's names), and
 * string metadata describing how R1 was made and the online Hadamard specs.
 */
public final class RotationFile {
    /** Tensor name of the residual rotation. */
    public static final String R1 = "R1";
    /** Metadata key naming this file's format; its value is {@link #FORMAT}. */
    public static final String FORMAT_KEY = "format";
    public static final String FORMAT = "rotcal.rotation.v1";

    private RotationFile() {
    }

    /** The tensor name of layer {@code layer}'s per-head rotation R2. */
    public static String r2Name(int layer) {
        return "model.layers." + layer + ".self_attn.R2";
    }

    /**
     * Writes R1 (and the given R2s) with the metadata.
     *
     * @param r1       (d, d) row-major, computed in double, stored as float32
     * @param r2       layer → (hd, hd) row-major; may be empty
     * @param metadata extra string metadata (how R1 was made)
     */
    public static void write(OutputStream out, double[] r1, int d, Map<Integer, double[]> r2, int headDim,
                             Map<String, String> metadata) {
        checkArgument(r1.length == Math.multiplyExact(d, d), "Cannot write R1 of %d values as (%d, %d)", r1.length, d,
                d);
        List<Tensor> tensors = new ArrayList<>();
        tensors.add(Tensor.ofFloats(R1, SafetensorsDtype.F32, List.of((long) d, (long) d), toFloat(r1)));
        r2.forEach((layer, r) -> tensors.add(Tensor.ofFloats(r2Name(layer), SafetensorsDtype.F32,
                List.of((long) headDim, (long) headDim), toFloat(r))));
        Map<String, String> meta = new TreeMap<>(metadata);
        meta.put(FORMAT_KEY, FORMAT);
        meta.put("convention", "x_rot = x · R1 (row vectors); input-side W[out,in]·R1, output-side R1ᵀ·W");
        SafetensorsWriter.write(out, meta, tensors);
    }

    /** Reads R1 back as doubles, (d, d) row-major. */
    public static double[] readR1(SafetensorsFile file) {
        float[] r = file.readFloats(R1);
        double[] out = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            out[i] = r[i];
        }
        return out;
    }

    private static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
