package dev.rotcal.model.rotate;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.linalg.FastHadamardTransform;
import dev.rotcal.linalg.HadamardOrder;
import dev.rotcal.linalg.RandomizedHadamard;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One Hadamard rotation T = D·H_n/√n that a rotated model applies at run time (QuaRot's R3 on q/k, R4 on
 * down_proj's input) or folds into weights offline (R2, and R4's down_proj columns). Row-vector convention: a
 * row x becomes x·T. Plain QuaRot uses D = I ({@link #hadamard}); a sign seed gives
 * {@link RandomizedHadamard}'s D. What a serving stack must know to reproduce the online part is
 * {@link #toMetadata()} (stored in rotation.safetensors' metadata).
 *
 * @param name        the rotation's name, "R3" or "R4" (metadata key prefix, lower-cased)
 * @param size        n, the length of the rows it rotates (head_dim for R2/R3, intermediate for R4)
 * @param k           the K of n = K·2^m ({@link HadamardOrder#of}), so a reader can rebuild H_n
 * @param normalized  whether T carries 1/√n; always true here (T must be orthogonal for the model to be
 *                    unchanged), stored so the metadata says so explicitly
 * @param signSeed    seed of D's signs ({@link RandomizedHadamard#signs}), or null for D = I
 */
public record OnlineRotationSpec(String name, int size, int k, boolean normalized, Long signSeed) {

    public OnlineRotationSpec {
        checkArgument(name != null && name.matches("[A-Za-z][A-Za-z0-9]*"),
                "Cannot describe an online rotation named '%s': the name must be letters and digits (R3, R4)",
                name);
        HadamardOrder order = HadamardOrder.of(size);
        checkArgument(order.k() == k,
                "Cannot describe online rotation %s of size %d with K = %d: the Hadamard order is %d·2^%d "
                        + "(use OnlineRotationSpec.hadamard)", name, size, k, order.k(), order.m());
        checkArgument(normalized,
                "Cannot describe online rotation %s unnormalized: rotcal's online Hadamards are orthogonal "
                        + "(normalized = true)", name);
    }

    /** The plain normalized Hadamard H_n/√n (QuaRot's online rotation). */
    public static OnlineRotationSpec hadamard(String name, int size) {
        return new OnlineRotationSpec(name, size, HadamardOrder.of(size).k(), true, null);
    }

    /** The randomized Hadamard D·H_n/√n with D's signs from {@code seed}. */
    public static OnlineRotationSpec randomized(String name, int size, long seed) {
        return new OnlineRotationSpec(name, size, HadamardOrder.of(size).k(), true, seed);
    }

    /**
     * In place: every row x of {@code rows} becomes x·T.
     *
     * @param rows  (nRows, size) row-major
     */
    public void apply(float[] rows, int nRows) {
        if (signSeed == null) {
            new FastHadamardTransform(size).applyNormalized(rows, nRows);
        } else {
            RandomizedHadamard.apply(rows, nRows, size, signSeed);
        }
    }

    /**
     * In place, in double: every row x of {@code rows} becomes x·T (the offline folds).
     *
     * @param rows  (nRows, size) row-major
     */
    public void apply(double[] rows, int nRows) {
        if (signSeed == null) {
            new FastHadamardTransform(size).applyNormalized(rows, nRows);
        } else {
            RandomizedHadamard.apply(rows, nRows, size, signSeed);
        }
    }

    /**
     * For rotation.safetensors' metadata, keys prefixed with the lower-cased name: e.g. r4_size = 1792,
     * r4_k = 28, r4_normalized = true, r4_signs = none (or seed:&lt;n&gt;).
     */
    public Map<String, String> toMetadata() {
        String p = prefix(name);
        Map<String, String> m = new LinkedHashMap<>();
        m.put(p + "size", Integer.toString(size));
        m.put(p + "k", Integer.toString(k));
        m.put(p + "normalized", Boolean.toString(normalized));
        m.put(p + "signs", signSeed == null ? "none" : "seed:" + signSeed);
        return m;
    }

    /** The spec named {@code name} back from {@link #toMetadata()}'s keys (other keys are ignored). */
    public static OnlineRotationSpec fromMetadata(String name, Map<String, String> metadata) {
        String p = prefix(name);
        String signs = require(metadata, p + "signs");
        Long seed = null;
        if (!signs.equals("none")) {
            checkArgument(signs.startsWith("seed:") && signs.substring(5).matches("-?[0-9]+"),
                    "Cannot read online rotation %s: %ssigns is '%s' (expected none or seed:<integer>)", name, p,
                    signs);
            seed = Long.parseLong(signs.substring(5));
        }
        return new OnlineRotationSpec(name, parseInt(metadata, p + "size"), parseInt(metadata, p + "k"),
                Boolean.parseBoolean(require(metadata, p + "normalized")), seed);
    }

    private static String prefix(String name) {
        return name.toLowerCase(Locale.ROOT) + "_";
    }

    private static String require(Map<String, String> metadata, String key) {
        String value = metadata.get(key);
        checkArgument(value != null, "Cannot read an online rotation: metadata key %s is missing (keys: %s)", key,
                metadata.keySet());
        return value;
    }

    private static int parseInt(Map<String, String> metadata, String key) {
        String value = require(metadata, key);
        checkArgument(value.matches("[0-9]{1,9}"),
                "Cannot read an online rotation: metadata %s is '%s', not a positive integer", key, value);
        return Integer.parseInt(value);
    }
}
