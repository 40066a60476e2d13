package dev.rotcal.scales;

/**
 * Layer-output errors of a quantized linear, the objective of the FP4 format searches: with Y = X·Wᵀ,
 * ‖Y − X̂·Ŵᵀ‖² summed in double (plain loops; the searches pass a sample of rows).
 */
final class LayerOutput {
    private LayerOutput() {
    }

    /**
     * Y = X·Wᵀ in double.
     *
     * @param x (n, in) row-major
     * @param w (out, in) row-major
     * @return (n, out) row-major
     */
    static double[] exact(float[] x, int n, float[] w, int out, int in) {
        double[] y = new double[Math.multiplyExact(n, out)]; // (n, out)
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < out; r++) {
                double sum = 0;
                for (int c = 0; c < in; c++) {
                    sum += (double) x[t * in + c] * w[r * in + c];
                }
                y[t * out + r] = sum;
            }
        }
        return y;
    }

    /**
     * ‖Y − X̂·Ŵᵀ‖².
     *
     * @param xq     (n, in) row-major X̂
     * @param wq     (out, in) row-major Ŵ
     * @param target (n, out) row-major Y
     */
    static double error(float[] xq, int n, int in, float[] wq, int out, double[] target) {
        double total = 0;
        for (int r = 0; r < out; r++) {
            total += columnError(xq, n, in, wq, r * in, target, out, r);
        }
        return total;
    }

    /**
     * Σ_t (Y_tr − x̂_t · ŵ)², the error of output column r with the weight row ŵ = wq[off, off + in).
     *
     * @param xq     (n, in) row-major X̂
     * @param target (n, out) row-major Y
     */
    static double columnError(float[] xq, int n, int in, float[] wq, int off, double[] target, int out, int r) {
        double total = 0;
        for (int t = 0; t < n; t++) {
            double dot = 0;
            for (int c = 0; c < in; c++) {
                dot += (double) xq[t * in + c] * wq[off + c];
            }
            double d = target[t * out + r] - dot;
            total += d * d;
        }
        return total;
    }
}
