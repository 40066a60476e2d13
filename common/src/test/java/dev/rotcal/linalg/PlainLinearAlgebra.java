package dev.rotcal.linalg;

/** Plain-Java references for the BLAS/LAPACK kernels (small matrices only). */
final class PlainLinearAlgebra {
    private PlainLinearAlgebra() {
    }

    /** op(a)·op(b): op(a) (m, k), op(b) (k, n), row-major; a stored (k, m) when transA. */
    static double[] multiply(boolean transA, boolean transB, int m, int n, int k, double[] a, double[] b) {
        double[] c = new double[m * n]; // (m, n)
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int l = 0; l < k; l++) {
                    double x = transA ? a[l * m + i] : a[i * k + l];
                    double y = transB ? b[j * k + l] : b[l * n + j];
                    sum += x * y;
                }
                c[i * n + j] = sum;
            }
        }
        return c;
    }

    /** (cols, rows) transpose of a (rows, cols). */
    static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }

    /**
     * The polar factor U·Vᵀ of a nonsingular (d, d) C by one-sided Jacobi (Hestenes): rotate pairs of
     * columns of W = C·V until all columns are orthogonal; then W = U·Σ and R = W·Σ⁻¹·Vᵀ.
     */
    static double[] jacobiPolarFactor(double[] c, int d) {
        double[] w = c.clone(); // (d, d) C·V
        double[] v = new double[d * d]; // (d, d) accumulated rotations
        for (int i = 0; i < d; i++) {
            v[i * d + i] = 1;
        }
        for (int sweep = 0; sweep < 60; sweep++) {
            double off = 0;
            for (int p = 0; p < d - 1; p++) {
                for (int q = p + 1; q < d; q++) {
                    double alpha = 0;
                    double beta = 0;
                    double gamma = 0;
                    for (int i = 0; i < d; i++) {
                        alpha += w[i * d + p] * w[i * d + p];
                        beta += w[i * d + q] * w[i * d + q];
                        gamma += w[i * d + p] * w[i * d + q];
                    }
                    off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta));
                    if (gamma == 0) {
                        continue;
                    }
                    // the rotation that zeroes the (p, q) entry of WᵀW
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    if (zeta == 0) {
                        t = 1;
                    }
                    double cs = 1 / Math.sqrt(1 + t * t);
                    double sn = cs * t;
                    rotateColumns(w, d, p, q, cs, sn);
                    rotateColumns(v, d, p, q, cs, sn);
                }
            }
            if (off < 1e-15) {
                break;
            }
        }
        for (int j = 0; j < d; j++) {
            double norm = 0;
            for (int i = 0; i < d; i++) {
                norm += w[i * d + j] * w[i * d + j];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < d; i++) {
                w[i * d + j] /= norm; // u_j
            }
        }
        return multiply(false, true, d, d, d, w, v);
    }

    private static void rotateColumns(double[] m, int d, int p, int q, double cs, double sn) {
        for (int i = 0; i < d; i++) {
            double x = m[i * d + p];
            double y = m[i * d + q];
            m[i * d + p] = cs * x - sn * y;
            m[i * d + q] = sn * x + cs * y;
        }
    }

    /** Q of a (d, d) by modified Gram–Schmidt, columns left to right (diag(R) &gt; 0 by construction). */
    static double[] gramSchmidtQ(double[] a, int d) {
        double[] q = a.clone(); // (d, d)
        for (int j = 0; j < d; j++) {
            for (int k = 0; k < j; k++) {
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += q[i * d + k] * q[i * d + j];
                }
                for (int i = 0; i < d; i++) {
                    q[i * d + j] -= dot * q[i * d + k];
                }
            }
            double norm = 0;
            for (int i = 0; i < d; i++) {
                norm += q[i * d + j] * q[i * d + j];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < d; i++) {
                q[i * d + j] /= norm;
            }
        }
        return q;
    }
}
