package dev.rotcal.jobs.evaluate;

import dev.rotcal.jobs.config.MassiveSettings;
import dev.rotcal.jobs.scales.ScalesStage;
import dev.rotcal.scales.LinearScalesSolver;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Everything the evaluation's executors need, broadcast once.
 *
 * @param variants        the models run over the held-out tokens
 * @param modelRotations  rotation name → (d, d) row-major R1 of the rotated variants
 * @param errorRotations  rotation name → (d, d) row-major R compared on the float model's held-out norm rows
 *                        ("none" is always measured too)
 * @param choices         per layer, the scales stage's clip ratios
 * @param weightOptions   how RTN weights are quantized (as in the layer files)
 * @param massive         the massive-row rule for the held-out rows (as in the scan)
 * @param massiveRo       (d, d) row-major RO of the ro-vs-nr rule, or null
 */
public record EvalPlan(List<EvalVariant> variants, Map<String, double[]> modelRotations,
                       Map<String, double[]> errorRotations, List<ScalesStage.LayerChoice> choices,
                       LinearScalesSolver.Options weightOptions, int activationBits, int kvBits,
                       MassiveSettings massive, double[] massiveRo) implements Serializable {
}
