package dev.rotcal.jobs.scan;

import dev.rotcal.artifact.MassiveTokenReport;
import dev.rotcal.dfrot.MassiveRowDetector;
import dev.rotcal.dfrot.RowStatistics;
import dev.rotcal.jobs.capture.ActivationChunk;
import dev.rotcal.jobs.capture.LayerWeightsCache;
import dev.rotcal.jobs.config.MassiveSettings;
import dev.rotcal.linalg.DenseLinearAlgebra;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

/**
 * Executor side of the scan: applies the massive-row rule to every row of a partition and reduces the
 * partition to one {@link ScanResult} (counts, the flagged rows, the first non-finite row).
 */
public final class ScanChunks implements FlatMapFunction<Iterator<ActivationChunk>, ScanResult> {
    private static final long serialVersionUID = 1L;
    private static final int REPORTED_CHANNELS = 2;

    private final MassiveSettings rule;
    private final Broadcast<double[]> randomRotation; // (d, d) row-major RO of the ro-vs-nr rule, else null
    private final int blasThreads;

    public ScanChunks(MassiveSettings rule, Broadcast<double[]> randomRotation, int blasThreads) {
        this.rule = rule;
        this.randomRotation = randomRotation;
        this.blasThreads = blasThreads;
    }

    @Override
    public Iterator<ScanResult> call(Iterator<ActivationChunk> chunks) {
        LayerWeightsCache.clear(); // the capture is over: this JVM's last layer goes (see LayerWeightsCache#clear)
        DenseLinearAlgebra.setBlasThreads(blasThreads);
        ScanResult result = ScanResult.empty();
        while (chunks.hasNext()) {
            result = result.plus(scan(chunks.next()));
        }
        return List.of(result).iterator();
    }

    private ScanResult scan(ActivationChunk chunk) {
        int n = chunk.rowCount();
        int d = chunk.d();
        float[] rows = chunk.rows(); // (n, d)
        String nonFinite = firstNonFinite(chunk);
        if (nonFinite != null) {
            return new ScanResult(n, List.of(), List.of(), nonFinite);
        }
        boolean[] massive = massive(rule, randomRotation == null ? null : randomRotation.value(), rows,
                chunk.rms(), n, d);
        RowStatistics[] stats = RowStatistics.ofBlock(rows, n, d);
        List<MassiveTokenReport.FlaggedRow> flagged = new ArrayList<>();
        List<Long> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (massive[i]) {
                flagged.add(new MassiveTokenReport.FlaggedRow(chunk.sequence()[i], chunk.position()[i],
                        chunk.token()[i], new MassiveTokenReport.Row(chunk.layer(), chunk.site().label(),
                        stats[i].maxAbs(), topChannels(rows, i * d, d), stats[i].nrError())));
                keys.add(chunk.rowKey(i));
            }
        }
        return new ScanResult(n, flagged, keys, null);
    }

    /**
     * The massive rows of a block by the configured rule (the scan's, and the evaluation's on held-out rows).
     *
     * @param ro   (d, d) row-major RO of the ro-vs-nr rule, else unused (may be null)
     * @param rows (n, d) row-major x = h / rms(h)
     * @param rms  (n) rms(h) of each row (the magnitude rule looks at h)
     */
    public static boolean[] massive(MassiveSettings rule, double[] ro, float[] rows, float[] rms, int n, int d) {
        return switch (rule.rule()) {
            case NR_ERROR -> MassiveRowDetector.byNrError(rows, n, d, rule.nrErrorThreshold());
            case RO_VS_NR -> MassiveRowDetector.byRandomRotation(rows, n, d, ro);
            case MAGNITUDE -> MassiveRowDetector.byMagnitude(residual(rows, rms, n, d), n, d, rule.magnitudeMin(),
                    rule.magnitudeMedianRatio());
        };
    }

    /** h = x · rms, (n, d) row-major: the residual-stream rows the magnitude rule is defined on. */
    private static float[] residual(float[] rows, float[] rmsOfRows, int n, int d) {
        float[] h = rows.clone();
        for (int i = 0; i < n; i++) {
            float rms = rmsOfRows[i];
            for (int j = i * d; j < (i + 1) * d; j++) {
                h[j] *= rms;
            }
        }
        return h;
    }

    /** The channels of the largest |x| in one row, largest first. */
    private static int[] topChannels(float[] rows, int offset, int d) {
        int[] top = new int[Math.min(REPORTED_CHANNELS, d)];
        Arrays.fill(top, -1);
        for (int j = 0; j < d; j++) {
            float a = Math.abs(rows[offset + j]);
            for (int t = 0; t < top.length; t++) {
                if (top[t] < 0 || a > Math.abs(rows[offset + top[t]])) {
                    System.arraycopy(top, t, top, t + 1, top.length - t - 1);
                    top[t] = j;
                    break;
                }
            }
        }
        return top;
    }

    private static String firstNonFinite(ActivationChunk chunk) {
        int d = chunk.d();
        float[] rows = chunk.rows();
        for (int i = 0; i < chunk.rowCount(); i++) {
            for (int j = 0; j < d; j++) {
                float v = rows[i * d + j];
                if (!Float.isFinite(v)) {
                    return String.format("layer %d %s row (sequence %d, position %d) has %s in channel %d",
                            chunk.layer(), chunk.site().label(), chunk.sequence()[i], chunk.position()[i], v, j);
                }
            }
        }
        return null;
    }
}
