package dev.rotcal.scales;

import dev.rotcal.linalg.DenseLinearAlgebra;
import org.bytedeco.javacpp.FloatPointer;

/**
 * The reconstruction errors metrics.json reports for quantized versions Ŵ of one weight W. Made once per linear:
 * the output error's denominator tr(W·H·Wᵀ) and the native copy of H are shared by every method measured (at
 * down_proj's widths each trace is out · in² multiply-adds and H is 0.8 GB at 8B, 3.3 GB at 70B). The traces are
 * float32 GEMMs (H is float32 already) summed in double. {@link #close()} frees the native H (e.g. while GPTQ needs
 * the memory); the next output error copies it again.
 */
public final class WeightErrors implements AutoCloseable {
    /** Rows of A per dgemm in tr(A·H·Aᵀ): bounds the scratch to (CHUNK_ROWS, in) whatever out is. */
    private static final int CHUNK_ROWS = 256;

    private final float[] w;
    private final int out;
    private final int in;
    private final float[] h;
    private FloatPointer nativeH;        // H copied off-heap once, on first use
    private double reference = Double.NaN; // tr(W·H·Wᵀ), on first use

    /**
     * @param w (out, in) row-major
     * @param h (in, in) row-major Hessian H = 2·XᵀX / N of the input, or null (no output error)
     */
    public WeightErrors(float[] w, int out, int in, float[] h) {
        this.w = w;
        this.out = out;
        this.in = in;
        this.h = h;
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
        if (nativeH == null) {
            nativeH = new FloatPointer(h);
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

    /** tr(A·H·Aᵀ) for A = W − Q (or W when q is null), (out, in), in chunks of rows. */
    private double quadratic(float[] q) {
        int chunk = Math.min(out, CHUNK_ROWS);
        float[] a = new float[chunk * in];  // (chunk, in) rows of A
        float[] ah = new float[chunk * in]; // (chunk, in) A·H
        double sum = 0;
        try (FloatPointer nativeA = new FloatPointer((long) chunk * in);
             FloatPointer nativeAh = new FloatPointer((long) chunk * in)) {
            for (int r0 = 0; r0 < out; r0 += chunk) {
                int rows = Math.min(chunk, out - r0);
                int base = r0 * in;
                for (int i = 0; i < rows * in; i++) {
                    a[i] = q == null ? w[base + i] : w[base + i] - q[base + i];
                }
                nativeA.put(a, 0, rows * in);
                DenseLinearAlgebra.gemm(rows, in, in, 1f, nativeA, nativeH, 0f, nativeAh);
                nativeAh.get(ah, 0, rows * in);
                for (int i = 0; i < rows * in; i++) {
                    sum += (double) ah[i] * a[i];
                }
            }
        }
        return sum;
    }
}
