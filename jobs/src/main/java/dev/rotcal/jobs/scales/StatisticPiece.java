package dev.rotcal.jobs.scales;

import dev.rotcal.scales.HessianBand;
import dev.rotcal.scales.LayerStatistics;
import dev.rotcal.scales.LinearInput;
import java.io.Serializable;

/**
 * One piece of a layer's calibration statistics as it travels between executors: either the layer's summary (every
 * input's clip sweep, ranges and sample, and the KV sweeps: {@link LayerStatistics} without Hessians) or one band of
 * one input's Hessian sums. Pieces of the same {@link #id} from different capture partitions merge exactly.
 *
 * @param layer   the decoder layer
 * @param summary the layer's Hessian-free statistics, or null for a band
 * @param input   the band's input, or null for the summary
 * @param band    the Hessian band, or null for the summary
 */
public record StatisticPiece(int layer, LayerStatistics summary, LinearInput input, HessianBand band)
        implements Serializable {

    static StatisticPiece summary(LayerStatistics summary) {
        return new StatisticPiece(summary.layer(), summary, null, null);
    }

    static StatisticPiece band(int layer, LinearInput input, HessianBand band) {
        return new StatisticPiece(layer, null, input, band);
    }

    boolean isSummary() {
        return summary != null;
    }

    /** Which piece this is: pieces with the same id merge. */
    Id id() {
        return isSummary() ? new Id(layer, -1, 0) : new Id(layer, input.ordinal(), band.first());
    }

    /** Adds another partition's partial of the same piece (in place where possible) and returns the sum. */
    StatisticPiece merge(StatisticPiece other) {
        return isSummary() ? summary(summary.merge(other.summary)) : band(layer, input, band.merge(other.band));
    }

    /**
     * @param layer the decoder layer
     * @param input the input's ordinal, -1 for the summary
     * @param row   the band's first row (0 for the summary)
     */
    record Id(int layer, int input, int row) implements Serializable, Comparable<Id> {
        @Override
        public int compareTo(Id o) {
            int c = Integer.compare(layer, o.layer);
            if (c == 0) {
                c = Integer.compare(input, o.input);
            }
            return c != 0 ? c : Integer.compare(row, o.row);
        }
    }
}
