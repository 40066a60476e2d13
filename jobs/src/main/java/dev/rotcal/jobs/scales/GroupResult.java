package dev.rotcal.jobs.scales;

import dev.rotcal.scales.LinearGroup;
import java.io.Serializable;
import java.util.Map;

/**
 * What one scales task returns for one linear group of one layer: where it staged its part of the layer file (the
 * tensors of its linears and of its input's activation parameters, and for q/k/v the KV cache's), and their metrics.
 * The tensors themselves stay out of the task result: at LLaMA-70B widths a layer's codes are ≈ 0.9 GB, which the
 * driver would otherwise hold (twice, serialized and decoded) while the next group's task runs beside it.
 *
 * @param part        the part file, relative to the staging folder ({@link ScalesStage#partPath})
 * @param linears     linear name → method → metric name → value, in the group's linear order
 * @param activation  the group's input's activation metrics (clip ratio, errors, abs max, NVFP4 input scale, static)
 * @param inputClip   the clip ratio chosen for the group's input (R1-independent for o_proj_in / down_proj_in)
 * @param kv          the KV-cache metrics (q/k/v group only, else null)
 * @param keyClip     K's clip ratio (q/k/v group only)
 * @param valueClip   V's clip ratio (q/k/v group only)
 * @param nonFiniteBlocks blocks whose captures held NaN / Inf (left out of the statistics; the layer is refused)
 * @param seconds     the task's wall time (solving the group; the projection of a run's time on a cluster uses it)
 */
record GroupResult(int layer, LinearGroup group, String part, Map<String, Object> linears,
                   Map<String, Object> activation, float inputClip, Map<String, Object> kv, float keyClip,
                   float valueClip, long nonFiniteBlocks, double seconds) implements Serializable {
}
