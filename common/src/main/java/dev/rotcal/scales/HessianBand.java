package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

import java.io.Serializable;

/**
 * Rows [{@code first}, {@code first + count}) of a {@link HessianAccumulator}'s sum S = Σ XᵀX: the unit in which
 * Hessians travel between executors, so that no record is larger than a band (a 28672-wide Hessian is 3.3 GB in
 * float32, more than one Java array or Spark record should carry). Bands of partial sums merge exactly like the
 * whole sums ({@link #merge}); {@link HessianAccumulator#assemble} puts the bands of one input back together.
 *
 * @param in    the input width (the Hessian is (in, in))
 * @param first the band's first row
 * @param count rows in the band
 * @param sum   (count, in) row-major S[first:first + count, :]
 * @param rows  calibration rows (tokens) summed
 */
public record HessianBand(int in, int first, int count, float[] sum, long rows) implements Serializable {
    public HessianBand {
        checkArgument(in > 0 && first >= 0 && count > 0 && first + count <= in
                        && sum.length == (long) count * in && rows >= 0,
                "Cannot build a Hessian band of rows [%d, %d) of width %d from %d values", first, first + count, in,
                sum.length);
    }

    /** Rows per band so that a band holds at most {@code maxBytes} bytes (at least one row). */
    public static int rowsPerBand(int in, long maxBytes) {
        return (int) Math.max(1, Math.min(in, maxBytes / (4L * in)));
    }

    /** Adds another partial sum of the same band into this one (in place) and returns it. */
    public HessianBand merge(HessianBand other) {
        checkArgument(other.in == in && other.first == first && other.count == count,
                "Cannot merge Hessian band [%d, %d) of width %d into band [%d, %d) of width %d", other.first,
                other.first + other.count, other.in, first, first + count, in);
        float[] s = sum;
        float[] o = other.sum;
        for (int k = 0; k < s.length; k++) {
            s[k] += o[k];
        }
        return new HessianBand(in, first, count, s, rows + other.rows);
    }
}
