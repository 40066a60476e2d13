package dev.rotcal.dfrot;

import static dev.rotcal.Checks.checkArgument;
import static dev.rotcal.Checks.checkState;

import org.bytedeco.javacpp.FloatPointer;

/**
 * Adds rows at one rotation R into a {@link ProcrustesAccumulator}, block by block: Y = A_w·R, B = Q(Y),
 * C += A_wᵀ·B and the loss (the data side of a DFRot iteration).
 *
 * <p>The two GEMMs (2·n·d² flops each) reach BLAS speed only if nothing else is paid per block, so the
 * kernel
 * <ul>
 *   <li>converts R to float and copies it into native memory once, not once per block;</li>
 *   <li>keeps A_w and Y/B in native buffers reused by every block: a {@code float[]} handed to cblas is
 *       copied into native memory and back on every call;</li>
 *   <li>sums C in a native float (d, d) with beta = 1 across blocks and adds it into the accumulator's double
 *       C every {@link #FLUSH_ROWS} rows, so float sums never span more rows than one GEMM over such a block
 *       would.</li>
 * </ul>
 * Only Y (out) and B (in) cross between native memory and the heap, where the quantizer runs.
 *
 * <p>Native memory: 2·blockRows·d + 2·d² floats (256 MiB at d = blockRows = 4096), outside -Xmx. Use it in
 * try-with-resources: {@link #close} adds the pending C into the accumulator and frees the buffers at once
 * (nothing is left for the garbage collector, so nothing leaks across Spark tasks). Not thread-safe.
 */
public final class ProcrustesBlockKernel implements AutoCloseable {
    /** Rows per block GEMM by default: big enough for BLAS peak, (4096, d) float blocks of scratch. */
    public static final int DEFAULT_BLOCK_ROWS = 4096;
    /** Rows summed in the native float C before it is added into the accumulator's double C. */
    static final int FLUSH_ROWS = 16384;

    private final ProcrustesAccumulator target;
    private final int d;
    private final int blockRows;
    private final BlockPhaseTimes times;
    private final FloatPointer r;  // (d, d) row-major R in float
    private final FloatPointer a;  // (blockRows, d) row-major A_w of the current block
    private final FloatPointer yb; // (blockRows, d) row-major Y = A_w·R, then B = Q(Y)
    private final FloatPointer c;  // (d, d) row-major Σ A_wᵀ·B over the rows since the last flush
    private final float[] yHeap;   // (blockRows, d) row-major Y, then B, where the quantizer works
    private final float[] row;     // (d) one weighted row, one row of B, one row of C
    private int pendingRows;       // rows summed in c since the last flush
    private boolean closed;

    /**
     * @param target    where the sums go
     * @param r         (d, d) row-major rotation R, d = target.d()
     * @param blockRows rows per block GEMM (scratch size); {@link #DEFAULT_BLOCK_ROWS} unless rows are few
     */
    public ProcrustesBlockKernel(ProcrustesAccumulator target, double[] r, int blockRows) {
        this(target, r, blockRows, new BlockPhaseTimes());
    }

    /** As {@link #ProcrustesBlockKernel(ProcrustesAccumulator, double[], int)}, timing its phases into times. */
    public ProcrustesBlockKernel(ProcrustesAccumulator target, double[] r, int blockRows, BlockPhaseTimes times) {
        this.target = target;
        this.d = target.d();
        checkRotation(r, d);
        checkArgument(blockRows > 0, "Cannot add rows in blocks of %d rows: must be > 0", blockRows);
        this.blockRows = blockRows;
        this.times = times;
        long blockSize = (long) blockRows * d;
        long square = (long) d * d;
        this.yHeap = new float[Math.toIntExact(blockSize)];
        this.row = new float[d];

        long t0 = System.nanoTime();
        FloatPointer[] buffers = new FloatPointer[4];
        try {
            buffers[0] = new FloatPointer(square);
            buffers[1] = new FloatPointer(blockSize);
            buffers[2] = new FloatPointer(blockSize);
            buffers[3] = new FloatPointer(square);
        } catch (RuntimeException | OutOfMemoryError e) {
            for (FloatPointer buffer : buffers) {
                if (buffer != null) {
                    buffer.close();
                }
            }
            throw e;
        }
        this.r = buffers[0];
        this.a = buffers[1];
        this.yb = buffers[2];
        this.c = buffers[3];
        // R to float, one row at a time into native memory
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                row[j] = (float) r[i * d + j];
            }
            this.r.position((long) i * d).put(row, 0, d);
        }
        this.r.position(0);
        times.add(BlockPhaseTimes.Phase.CONVERT_R, System.nanoTime() - t0);
    }

    static void checkRotation(double[] r, int d) {
        checkArgument(r.length == (long) d * d, "Cannot add rows at a rotation of %d values: need d² = %d",
                r.length, (long) d * d);
    }

    /**
     * Adds rows [firstRow, firstRow + nRows) of the arrays, in blocks of at most blockRows.
     *
     * @param rows    (…, d) row-major un-weighted rows A
     * @param weights (…) per-row weight w (α for massive rows, 1 for common ones), finite and > 0
     * @param massive (…) row classes, for the loss split
     */
    public void add(float[] rows, int firstRow, int nRows, float[] weights, boolean[] massive) {
        checkState(!closed, "[BUG] block kernel used after close");
        long end = (long) firstRow + nRows;
        checkArgument(firstRow >= 0 && nRows >= 0 && rows.length >= end * d && weights.length >= end
                        && massive.length >= end,
                "Cannot add rows %d..%d of width %d: arrays hold %d floats, %d weights, %d flags", firstRow, end, d,
                rows.length, weights.length, massive.length);
        for (int i = firstRow; i < end; i++) {
            checkArgument(weights[i] > 0 && Float.isFinite(weights[i]), "Cannot weight row %d by %s: weights must "
                    + "be finite and > 0 (1 for common rows, alpha for massive ones)", i, weights[i]);
        }
        for (int start = firstRow; start < end; start += blockRows) {
            addBlock(rows, start, (int) Math.min(blockRows, end - start), weights, massive);
        }
    }

    private void addBlock(float[] rows, int first, int n, float[] weights, boolean[] massive) {
        int size = n * d;
        long t0 = System.nanoTime();
        loadWeighted(rows, first, n, weights);
        long t1 = System.nanoTime();
        // Y = A_w·R
        FloatGemm.multiply(a, n, d, r, d, yb);
        long t2 = System.nanoTime();
        yb.get(yHeap, 0, size);
        long t3 = System.nanoTime();
        // B = Q(Y), which freezes the scales and codes; loss ‖y − b‖² = w²·‖x·R − Q(x·R)‖² by scale-equivariance
        for (int i = 0; i < n; i++) {
            double weightedSquared = LossQuantizer.fakeQuantRow(yHeap, i * d, row, 0, d, target.bits(),
                    target.clipRatio());
            target.addRowLoss(weightedSquared, weights[first + i], massive[first + i]);
            System.arraycopy(row, 0, yHeap, i * d, d);
        }
        long t4 = System.nanoTime();
        yb.put(yHeap, 0, size);
        long t5 = System.nanoTime();
        // C += A_wᵀ·B in float (beta = 0 starts a new sum after a flush)
        FloatGemm.transposeMultiplyAdd(a, n, d, yb, d, pendingRows == 0 ? 0f : 1f, c);
        pendingRows += n;
        long t6 = System.nanoTime();
        times.add(BlockPhaseTimes.Phase.LOAD_A, t1 - t0);
        times.add(BlockPhaseTimes.Phase.GEMM_Y, t2 - t1);
        times.add(BlockPhaseTimes.Phase.COPY_Y, t3 - t2);
        times.add(BlockPhaseTimes.Phase.QUANTIZE, t4 - t3);
        times.add(BlockPhaseTimes.Phase.COPY_B, t5 - t4);
        times.add(BlockPhaseTimes.Phase.GEMM_C, t6 - t5);
        times.addRows(n);
        if (pendingRows >= FLUSH_ROWS) {
            flush();
        }
    }

    /** a = diag(w)·A for the block: runs of weight-1 rows are copied as they are, the others one row at a time. */
    private void loadWeighted(float[] rows, int first, int n, float[] weights) {
        int i = 0;
        while (i < n) {
            int runEnd = i;
            while (runEnd < n && weights[first + runEnd] == 1f) {
                runEnd++;
            }
            if (runEnd > i) {
                a.position((long) i * d).put(rows, (first + i) * d, (runEnd - i) * d);
                i = runEnd;
            } else {
                float w = weights[first + i];
                int off = (first + i) * d;
                for (int j = 0; j < d; j++) {
                    row[j] = rows[off + j] * w;
                }
                a.position((long) i * d).put(row, 0, d);
                i++;
            }
        }
        a.position(0);
    }

    /** Adds the native float C into the accumulator's double C and starts a new float sum. */
    private void flush() {
        long t0 = System.nanoTime();
        for (int i = 0; i < d; i++) {
            c.position((long) i * d).get(row, 0, d);
            target.addToCrossProduct(i * d, row, d);
        }
        c.position(0);
        pendingRows = 0;
        times.add(BlockPhaseTimes.Phase.FLUSH_C, System.nanoTime() - t0);
    }

    /** Adds the pending C into the accumulator and frees the native buffers; later calls do nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (pendingRows > 0) {
                flush();
            }
        } finally {
            r.close();
            a.close();
            yb.close();
            c.close();
        }
    }
}
