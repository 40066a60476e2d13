package dev.rotcal.scales;

import dev.rotcal.linalg.DenseLinearAlgebra;
import org.bytedeco.javacpp.FloatPointer;

/**
 * The reconstruction errors metrics.json reports for quantized versions Ŵ of one weight W. Made once per linear:
 * the output error's denominator tr(W·H·Wᵀ) is shared by every method measured (at down_proj's widths each trace is
 * out · in² multiply-adds). The traces are float32 GEMMs (H is float32 already) summed in double. H goes to native
 * memory in blocks of rows of at most {@value #H_BLOCK_BYTES} bytes (H is symmetric: a block of rows is a block of
 * columns), so the scratch stays bounded whatever the width — a whole native copy of H would be 0.8 GB at 8B's and
 * 3.3 GB at 70B's down_proj, beside the layer and the heap's own H. An H that fits one block is copied once and kept
 * until {@link #close()}.
 */
public final class WeightErrors implements AutoCloseable {
    /** Rows of A per dgemm in tr(A·H·Aᵀ): bounds the scratch to (CHUNK_ROWS, in) whatever out is. */
    private static final int CHUNK_ROWS = 256;
    /** Largest native block of H's rows. */
    static final long H_BLOCK_BYTES = 256L << 20;

    private final float[] w;
    private final int out;
    private final int in;
    private final float[] h;
    private FloatPointer nativeH;        // H off-heap when it fits one block: copied once, on first use
    private double reference = Double.NaN; // tr(W·H·Wᵀ), on first use
    private final long hBlockBytes;

    /**
     * @param w (out, in) row-major
     * @param h (in, in) row-major Hessian H = 2·XᵀX / N of the input, or null (no output error)
     */
    public WeightErrors(float[] w, int out, int in, float[] h) {
        this(w, out, in, h, H_BLOCK_BYTES);
    }

    /** With native blocks of H of at most {@code hBlockBytes} (tests force several blocks on small widths). */
    WeightErrors(float[] w, int out, int in, float[] h, long hBlockBytes) {
        this.w = w;
        this.out = out;
        this.in = in;
        this.h = h;
        this.hBlockBytes = hBlockBytes;
    }

    /** ‖W − Ŵ‖_F / ‖W‖_F of {@code q}. */
    public double relative(float[] q) {
        return relative(w, q);
    }

    /** Whether {@link #output(float[])} can be measured (the input's Hessian is known). */
    public boolean hasOutputError() {
        return h != null;
    }

    /**
     * The relative layer-output error of {@code q} on the calibration inputs, from the Hessian H = 2·XᵀX / N:
     * sqrt(tr(ΔW·H·ΔWᵀ) / tr(W·H·Wᵀ)) = ‖X·ΔWᵀ‖_F / ‖X·Wᵀ‖_F, ΔW = W − Ŵ.
     */
    public double output(float[] q) {
        if (h == null) {
            throw new IllegalStateException("[BUG] output error without the input's Hessian");
        }
        if (Double.isNaN(reference)) {
            reference = quadratic(null);
        }
        return Math.sqrt(quadratic(q) / Math.max(reference, Double.MIN_NORMAL));
    }

    @Override
    public void close() {
        if (nativeH != null) {
            nativeH.close();
            nativeH = null;
        }
    }

    /** ‖W − Ŵ‖_F / ‖W‖_F. */
    public static double relative(float[] w, float[] q) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < w.length; i++) {
            double dw = (double) w[i] - q[i];
            num += dw * dw;
            den += (double) w[i] * w[i];
        }
        return den == 0 ? 0 : Math.sqrt(num / den);
    }

    /** {@link #output(float[])} of one quantized weight. */
    public static double output(float[] w, float[] q, int out, int in, float[] h) {
        try (WeightErrors errors = new WeightErrors(w, out, in, h)) {
            return errors.output(q);
        }
    }

    /** Rows of H per native block: all of H when it fits {@link #H_BLOCK_BYTES}. */
    static int blockRows(int in, long blockBytes) {
        return (int) Math.max(1, Math.min(in, blockBytes / (4L * in)));
    }

    /**
     * tr(A·H·Aᵀ) for A = W − Q (or W when q is null), (out, in): for each block of H's rows (= columns, H symmetric)
     * and each chunk of A's rows, (A·H)[:, block] = A·H[block, :]ᵀ, dotted with A[:, block].
     */
    private double quadratic(float[] q) {
        int kc = blockRows(in, hBlockBytes);
        int chunk = Math.min(out, CHUNK_ROWS);
        float[] a = new float[chunk * in];  // (chunk, in) rows of A
        float[] ah = new float[chunk * kc]; // (chunk, kc) block of A·H
        double sum = 0;
        FloatPointer block = null;
        try (FloatPointer nativeA = new FloatPointer((long) chunk * in);
             FloatPointer nativeAh = new FloatPointer((long) chunk * kc)) {
            if (kc < in) {
                block = new FloatPointer((long) kc * in);
            } else if (nativeH == null) {
                nativeH = new FloatPointer(h);
            }
            for (int c0 = 0; c0 < in; c0 += kc) {
                int cols = Math.min(kc, in - c0);
                FloatPointer hb = kc < in ? block : nativeH;
                if (kc < in) {
                    block.put(h, c0 * in, cols * in);
                }
                for (int r0 = 0; r0 < out; r0 += chunk) {
                    int rows = Math.min(chunk, out - r0);
                    int base = r0 * in;
                    for (int i = 0; i < rows * in; i++) {
                        a[i] = q == null ? w[base + i] : w[base + i] - q[base + i];
                    }
                    nativeA.put(a, 0, rows * in);
                    DenseLinearAlgebra.gemmTransposedB(rows, cols, in, 1f, nativeA, hb, 0f, nativeAh);
                    nativeAh.get(ah, 0, rows * cols);
                    for (int i = 0; i < rows; i++) {
                        int ai = i * in + c0;
                        int ci = i * cols;
                        for (int j = 0; j < cols; j++) {
                            sum += (double) ah[ci + j] * a[ai + j];
                        }
                    }
                }
            }
        } finally {
            if (block != null) {
                block.close();
            }
        }
        return sum;
    }
}
