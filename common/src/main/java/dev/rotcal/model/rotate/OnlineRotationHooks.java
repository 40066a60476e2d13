package dev.rotcal.model.rotate;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerHooks;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The online half of a rotated model, as {@link LayerHooks}:
 * <ul>
 *   <li>R4: down_proj's input x ← x·T_4 (T_4 of size intermediate), matching the down_proj columns
 *       {@link ModelRotation#rotateLayer} folded with the same spec;</li>
 *   <li>R3 (optional, nothing offline): each head of q and of k after RoPE ← ·T_3 (size head_dim), which
 *       leaves every q·kᵀ unchanged and spreads outliers of the keys a KV cache would store.</li>
 * </ul>
 * Stateless (each call builds its small Hadamard transform), so one instance may serve many threads.
 * Compose with fake quantization as {@code rotation.then(quantization)} so the quantizers see the rotated
 * values.
 */
public final class OnlineRotationHooks implements LayerHooks {
    private final DecoderShape shape;
    private final OnlineRotationSpec r3;   // size headDim, or null
    private final OnlineRotationSpec r4;   // size intermediate, or null

    /**
     * @param r3  per-head rotation of q and k after RoPE (size head_dim), or null for none
     * @param r4  rotation of down_proj's input (size intermediate), or null for none
     */
    public OnlineRotationHooks(DecoderShape shape, OnlineRotationSpec r3, OnlineRotationSpec r4) {
        checkArgument(r3 == null || r3.size() == shape.headDim(),
                "Cannot build online rotations with R3 of size %d: R3 acts per head, head_dim is %d",
                r3 == null ? 0 : r3.size(), shape.headDim());
        checkArgument(r4 == null || r4.size() == shape.intermediate(),
                "Cannot build online rotations with R4 of size %d: R4 acts on down_proj's input, "
                        + "intermediate_size is %d", r4 == null ? 0 : r4.size(), shape.intermediate());
        this.shape = shape;
        this.r3 = r3;
        this.r4 = r4;
    }

    /** QuaRot's online rotations: plain Hadamard R4, and R3 when {@code withR3}. */
    public static OnlineRotationHooks quarot(DecoderShape shape, boolean withR3) {
        return new OnlineRotationHooks(shape, withR3 ? ModelRotation.r3(shape) : null, ModelRotation.r4(shape));
    }

    /**
     * What a serving stack must apply online, for rotation.safetensors' metadata: {@code online_rotations}
     * (e.g. "R3,R4", or "" for none) plus each spec's {@link OnlineRotationSpec#toMetadata()} keys.
     */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        StringBuilder names = new StringBuilder();
        for (OnlineRotationSpec spec : new OnlineRotationSpec[] {r3, r4}) {
            if (spec != null) {
                names.append(names.length() == 0 ? "" : ",").append(spec.name());
                m.putAll(spec.toMetadata());
            }
        }
        m.put("online_rotations", names.toString());
        return m;
    }

    @Override
    public void queriesKeys(float[] q, float[] k, int rows) {
        if (r3 != null) {
            // (rows, heads·hd) row-major is (rows·heads, hd): one row per head
            r3.apply(q, Math.multiplyExact(rows, shape.nHeads()));
            r3.apply(k, Math.multiplyExact(rows, shape.nKvHeads()));
        }
    }

    @Override
    public void downProjInput(float[] a, int rows) {
        if (r4 != null) {
            r4.apply(a, rows);
        }
    }
}
