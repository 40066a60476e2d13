package dev.rotcal.scales;

import dev.rotcal.linalg.DenseLinearAlgebra;

/** The reconstruction errors metrics.json reports for a quantized weight Ŵ of W. */
public final class WeightErrors {
    private WeightErrors() {
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

    /**
     * The relative layer-output error on the calibration inputs, from the Hessian H = 2·XᵀX / N:
     * sqrt(tr(ΔW·H·ΔWᵀ) / tr(W·H·Wᵀ)) = ‖X·ΔWᵀ‖_F / ‖X·Wᵀ‖_F, ΔW = W − Ŵ.
     *
     * @param w (out, in) row-major
     * @param h (in, in) row-major
     */
    public static double output(float[] w, float[] q, int out, int in, double[] h) {
        double[] dw = new double[w.length];  // (out, in)
        double[] ww = new double[w.length];  // (out, in)
        for (int i = 0; i < w.length; i++) {
            dw[i] = (double) w[i] - q[i];
            ww[i] = w[i];
        }
        return Math.sqrt(quadratic(dw, out, in, h) / Math.max(quadratic(ww, out, in, h), Double.MIN_NORMAL));
    }

    /** tr(A·H·Aᵀ) for A (out, in). */
    private static double quadratic(double[] a, int out, int in, double[] h) {
        double[] ah = new double[a.length]; // (out, in) A·H
        DenseLinearAlgebra.gemm(false, false, out, in, in, 1.0, a, h, 0.0, ah);
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += ah[i] * a[i];
        }
        return sum;
    }
}
