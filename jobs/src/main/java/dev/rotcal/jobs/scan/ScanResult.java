package dev.rotcal.jobs.scan;

import dev.rotcal.artifact.MassiveTokenReport;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What one partition's scan found: how many rows it looked at, the rows its rule flagged as massive, and
 * the first row with a non-finite value (a broken checkpoint or dump), if any.
 *
 * @param rows      rows scanned
 * @param flagged   the massive rows, with what massive_tokens.json reports of them
 * @param keys      the run-wide keys ({@code RowKeys}) of the flagged rows, in the same order
 * @param nonFinite description of the first row holding NaN or ±Inf, or null
 */
public record ScanResult(long rows, List<MassiveTokenReport.FlaggedRow> flagged, List<Long> keys, String nonFinite)
        implements Serializable {

    public static ScanResult empty() {
        return new ScanResult(0, List.of(), List.of(), null);
    }

    /** Both partitions' findings, this one's first. */
    public ScanResult plus(ScanResult other) {
        List<MassiveTokenReport.FlaggedRow> allFlagged = new ArrayList<>(flagged);
        allFlagged.addAll(other.flagged);
        List<Long> allKeys = new ArrayList<>(keys);
        allKeys.addAll(other.keys);
        return new ScanResult(rows + other.rows, allFlagged, allKeys, nonFinite != null ? nonFinite : other.nonFinite);
    }
}
