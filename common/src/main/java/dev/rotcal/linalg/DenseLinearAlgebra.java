package dev.rotcal.linalg;

import static dev.rotcal.Checks.checkArgument;
import static dev.rotcal.Checks.checkState;

import java.util.Optional;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * Row-major dense BLAS/LAPACK for rotcal, over OpenBLAS's CBLAS and LAPACKE (the org.bytedeco bindings
 * ND4J already ships). Every matrix is a {@code double[]} (or {@code float[]}) in row-major order.
 *
 * <p>LAPACK is column-major. A row-major buffer of M is the column-major buffer of Mᵀ, so instead of
 * asking LAPACKE to transpose ({@code LAPACK_ROW_MAJOR}, which allocates two temporary copies) each
 * routine here either factors Mᵀ and reads the factors back transposed (SVD), needs no conversion
 * (symmetric matrices) or transposes in place (QR). Every LAPACK info code is checked.
 *
 * <p>BLAS threads are a per-JVM (per-process) setting shared with ND4J: see {@link #setBlasThreads}.
 */
public final class DenseLinearAlgebra {
    /** C = U·diag(s)·Vᵀ: u (d, d) row-major, singularValues (d) descending, vt (d, d) row-major. */
    public record Svd(double[] u, double[] singularValues, double[] vt) {
    }

    /**
     * S = V·diag(λ)·Vᵀ: values (d) ascending, vectors (d, d) row-major with column j the unit eigenvector of
     * values[j].
     */
    public record SymmetricEigen(double[] values, double[] vectors) {
    }

    /** A = Q·R (Householder): q (d, d) row-major orthogonal, r (d, d) row-major upper triangular. */
    public record Qr(double[] q, double[] r) {
    }

    private DenseLinearAlgebra() {
    }

    /** Sets the number of OpenBLAS threads for this whole JVM (all BLAS and LAPACK calls, ND4J's too). */
    public static void setBlasThreads(int threads) {
        checkArgument(threads >= 1, "Cannot set %d BLAS threads: need at least 1", threads);
        openblas.blas_set_num_threads(threads);
    }

    /**
     * The number of OpenBLAS threads this JVM uses: the last value set through {@link #setBlasThreads} (or
     * by ND4J, which uses the same setter); before any, OpenBLAS's start-up default, which it takes from
     * OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS or OMP_NUM_THREADS, else the number of processors. (The
     * bindings do not expose openblas_get_num_threads; their getter only remembers the last set value.)
     */
    public static int blasThreads() {
        int set = openblas.blas_get_num_threads();
        if (set >= 1) {
            return set;
        }
        for (String variable : new String[] {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"}) {
            String value = System.getenv(variable);
            if (value != null && value.trim().matches("[1-9][0-9]*")) {
                return Integer.parseInt(value.trim());
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * c ← alpha·op(a)·op(b) + beta·c (dgemm), where op(a) is (m, k), op(b) is (k, n) and c is (m, n), all
     * row-major; {@code transA} means a is stored as (k, m) and op(a) = aᵀ (likewise b).
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a,
                            double[] b, double beta, double[] c) {
        checkGemmShapes(m, n, k, a.length, b.length, c.length);
        openblas.cblas_dgemm(openblas.CblasRowMajor, trans(transA), trans(transB), m, n, k, alpha,
                a, transA ? m : k, b, transB ? k : n, beta, c, n);
    }

    /**
     * Single-precision c (m, n) ← alpha·a·b + beta·c, row-major, on native buffers (no JNI copy of the operands per
     * call: for a (28672, 28672) operand that copy is 3.3 GB each way).
     */
    public static void gemm(int m, int n, int k, float alpha, FloatPointer a, FloatPointer b, float beta,
                            FloatPointer c) {
        checkArgument(m >= 1 && n >= 1 && k >= 1 && a.capacity() >= (long) m * k && b.capacity() >= (long) k * n
                        && c.capacity() >= (long) m * n,
                "Cannot multiply (%d, %d)·(%d, %d) into (%d, %d): buffers hold %d, %d and %d values", m, k, k, n, m,
                n, a.capacity(), b.capacity(), c.capacity());
        openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, m, n, k, alpha,
                a, k, b, n, beta, c, n);
    }

    /**
     * Single-precision c (m, n) ← alpha·a·bᵀ + beta·c on native buffers, row-major, with b given as (n, k) rows: e.g.
     * a block of rows of a symmetric matrix, used as a block of its columns.
     */
    public static void gemmTransposedB(int m, int n, int k, float alpha, FloatPointer a, FloatPointer b, float beta,
                                       FloatPointer c) {
        checkArgument(m >= 1 && n >= 1 && k >= 1 && a.capacity() >= (long) m * k && b.capacity() >= (long) n * k
                        && c.capacity() >= (long) m * n,
                "Cannot multiply (%d, %d)·(%d, %d)ᵀ into (%d, %d): buffers hold %d, %d and %d values", m, k, n, k, m,
                n, a.capacity(), b.capacity(), c.capacity());
        openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans, m, n, k, alpha,
                a, k, b, k, beta, c, n);
    }

    /** Single-precision {@link #gemm}: c (m, n) ← alpha·op(a)·op(b) + beta·c, row-major. */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a,
                            float[] b, float beta, float[] c) {
        checkGemmShapes(m, n, k, a.length, b.length, c.length);
        openblas.cblas_sgemm(openblas.CblasRowMajor, trans(transA), trans(transB), m, n, k, alpha,
                a, transA ? m : k, b, transB ? k : n, beta, c, n);
    }

    /**
     * g's upper triangle (row-major) += aᵀ·a for a (rows, cols) row-major, in single precision (ssyrk, half a gemm's
     * work); the lower triangle is not touched.
     */
    public static void addGramUpper(float[] a, int rows, int cols, float[] g) {
        checkArgument(rows >= 1 && cols >= 1 && a.length >= (long) rows * cols && g.length == (long) cols * cols,
                "Cannot add the Gram matrix of a (%d, %d) matrix from %d values into %d values", rows, cols, a.length,
                g.length);
        openblas.cblas_ssyrk(openblas.CblasRowMajor, openblas.CblasUpper, openblas.CblasTrans, cols, rows,
                1f, a, cols, 1f, g, cols);
    }

    /** The Gram matrix aᵀ·a (cols, cols), full and exactly symmetric, of a (rows, cols) row-major (dsyrk). */
    public static double[] gram(double[] a, int rows, int cols) {
        double[] g = new double[Math.multiplyExact(cols, cols)]; // (cols, cols) row-major
        gram(a, rows, cols, g);
        return g;
    }

    /** {@link #gram(double[], int, int)} into g (cols, cols) row-major, overwritten. */
    public static void gram(double[] a, int rows, int cols, double[] g) {
        checkArgument(rows >= 1 && cols >= 1 && a.length == Math.multiplyExact(rows, cols),
                "Cannot form the Gram matrix of a (%d, %d) matrix from %d values", rows, cols, a.length);
        checkArgument(g.length == Math.multiplyExact(cols, cols),
                "Cannot store a (%d, %d) Gram matrix in %d values", cols, cols, g.length);
        // upper triangle of g ← aᵀ·a, then mirror it into the lower triangle
        openblas.cblas_dsyrk(openblas.CblasRowMajor, openblas.CblasUpper, openblas.CblasTrans, cols, rows,
                1.0, a, cols, 0.0, g, cols);
        for (int i = 0; i < cols; i++) {
            for (int j = 0; j < i; j++) {
                g[i * cols + j] = g[j * cols + i];
            }
        }
    }

    /**
     * Cholesky factorization S = L·Lᵀ of a symmetric positive definite matrix (LAPACKE dpotrf), or empty
     * when S is not numerically positive definite. Only the upper triangle (row-major) is read.
     *
     * @param s (d, d) row-major, symmetric; not modified
     */
    public static Optional<Cholesky> cholesky(double[] s, int d) {
        checkSquare(s, d, "take the Cholesky factorization of");
        double[] factor = s.clone(); // column-major lower triangle = row-major upper triangle
        int info = openblas.LAPACKE_dpotrf(openblas.LAPACK_COL_MAJOR, (byte) 'L', d, factor, d);
        checkState(info >= 0, "LAPACKE_dpotrf rejected argument %d (order %d)", -info, d);
        return info == 0 ? Optional.of(new Cholesky(factor, d)) : Optional.empty();
    }

    /**
     * S = RᵀR with R upper triangular, column-major, in the native buffer's own memory (LAPACKE spotrf 'U'; the strict
     * lower triangle is left as it was; no JNI copy of a (d, d) matrix); false when S is not numerically positive
     * definite.
     */
    public static boolean upperCholeskyInPlace(FloatPointer s, int d) {
        checkArgument(d >= 1 && s.capacity() >= (long) d * d, "Cannot take the Cholesky factorization of a (%d, %d) "
                + "matrix from %d values", d, d, s.capacity());
        int info = openblas.LAPACKE_spotrf(openblas.LAPACK_COL_MAJOR, (byte) 'U', d, s, d);
        checkState(info >= 0, "LAPACKE_spotrf rejected argument %d (order %d)", -info, d);
        return info == 0;
    }

    /** R ← R⁻¹ for R upper triangular, column-major float32, in the native buffer's own memory (LAPACKE strtri). */
    public static void invertUpperTriangleInPlace(FloatPointer r, int d) {
        checkArgument(d >= 1 && r.capacity() >= (long) d * d, "Cannot invert the triangle of a (%d, %d) matrix from "
                + "%d values", d, d, r.capacity());
        int info = openblas.LAPACKE_strtri(openblas.LAPACK_COL_MAJOR, (byte) 'U', (byte) 'N', d, r, d);
        checkState(info >= 0, "LAPACKE_strtri rejected argument %d (order %d)", -info, d);
        checkState(info == 0, "LAPACKE_strtri found a zero diagonal element (info = %d, order %d)", info, d);
    }

    /** A Cholesky factor L (column-major lower triangle of factor, (d, d)) that solves S·x = b. */
    public record Cholesky(double[] factor, int d) {
        /** x ← S⁻¹·x by two triangular solves (dtrsv): L·z = x, then Lᵀ·x = z. */
        public void solveInPlace(double[] x) {
            checkArgument(x.length == d, "Cannot solve with a (%d, %d) factor for a vector of %d values", d, d,
                    x.length);
            openblas.cblas_dtrsv(openblas.CblasColMajor, openblas.CblasLower, openblas.CblasNoTrans,
                    openblas.CblasNonUnit, d, factor, d, x, 1);
            openblas.cblas_dtrsv(openblas.CblasColMajor, openblas.CblasLower, openblas.CblasTrans,
                    openblas.CblasNonUnit, d, factor, d, x, 1);
        }

        /** S⁻¹ (d, d) row-major, full and exactly symmetric, from the factor (LAPACKE dpotri). */
        public double[] inverse() {
            return invert(factor.clone());
        }

        private double[] invert(double[] inverse) { // column-major lower triangle of S⁻¹ = row-major upper
            int info = openblas.LAPACKE_dpotri(openblas.LAPACK_COL_MAJOR, (byte) 'L', d, inverse, d);
            checkState(info >= 0, "LAPACKE_dpotri rejected argument %d (order %d)", -info, d);
            checkState(info == 0, "LAPACKE_dpotri found a zero diagonal element (info = %d, order %d)", info, d);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < i; j++) {
                    inverse[i * d + j] = inverse[j * d + i]; // mirror the upper triangle into the lower
                }
            }
            return inverse;
        }
    }

    /**
     * Full SVD of a square matrix with divide and conquer (LAPACKE dgesdd / sgesdd, job 'S'); the input is
     * not modified. With {@link Precision#FLOAT} the factorization runs on a float copy.
     *
     * @param a (d, d) row-major
     */
    public static Svd svd(double[] a, int d, Precision precision) {
        checkSquare(a, d, "take the SVD of");
        int n = d;
        double[] s = new double[n];
        double[] uCol = new double[n * n]; // (d, d) column-major U' of aᵀ = U'·Σ·V'ᵀ
        double[] vtCol = new double[n * n]; // (d, d) column-major V'ᵀ
        int info;
        if (precision == Precision.DOUBLE) {
            double[] work = a.clone(); // column-major view: aᵀ (gesdd destroys its input)
            info = openblas.LAPACKE_dgesdd(openblas.LAPACK_COL_MAJOR, (byte) 'S', n, n, work, n, s, uCol, n,
                    vtCol, n);
        } else {
            float[] work = toFloat(a);
            float[] sf = new float[n];
            float[] uf = new float[n * n];
            float[] vtf = new float[n * n];
            int[] iwork = new int[Math.multiplyExact(8, n)];
            float[] query = new float[1];
            checkInfo(openblas.LAPACKE_sgesdd_work(openblas.LAPACK_COL_MAJOR, (byte) 'S', n, n, work, n, sf, uf, n,
                    vtf, n, query, -1, iwork), "LAPACKE_sgesdd (workspace query)", d);
            // minimum for JOBZ = 'S', M = N: 4·n² + 7·n
            int lwork = floatWorkspace(query[0], 4L * n * n + 7L * n, "sgesdd", d);
            info = openblas.LAPACKE_sgesdd_work(openblas.LAPACK_COL_MAJOR, (byte) 'S', n, n, work, n, sf, uf, n,
                    vtf, n, new float[lwork], lwork, iwork);
            s = toDouble(sf);
            uCol = toDouble(uf);
            vtCol = toDouble(vtf);
        }
        checkInfo(info, precision == Precision.DOUBLE ? "LAPACKE_dgesdd" : "LAPACKE_sgesdd", d);
        // aᵀ = U'·Σ·V'ᵀ  ⇒  a = V'·Σ·U'ᵀ, so U = V' and Vᵀ = U'ᵀ. Read row-major, the column-major
        // buffer of V'ᵀ is V' = U and the column-major buffer of U' is U'ᵀ = Vᵀ: no copy needed.
        return new Svd(vtCol, s, uCol);
    }

    /**
     * The singular values (d), descending, of a square matrix: dgesdd with job 'N' (no vectors, about a third
     * of the full SVD's cost); the input is not modified.
     *
     * @param a (d, d) row-major
     */
    public static double[] singularValues(double[] a, int d) {
        checkSquare(a, d, "take the singular values of");
        double[] work = a.clone(); // aᵀ in column-major view: same singular values
        double[] s = new double[d];
        double[] unused = new double[1];
        checkInfo(openblas.LAPACKE_dgesdd(openblas.LAPACK_COL_MAJOR, (byte) 'N', d, d, work, d, s, unused, 1,
                unused, 1), "LAPACKE_dgesdd", d);
        return s;
    }

    /**
     * All eigenvalues and eigenvectors of a symmetric matrix with divide and conquer (LAPACKE dsyevd /
     * ssyevd); only the upper triangle (row-major) is read; the input is not modified.
     *
     * @param s (d, d) row-major, symmetric
     */
    public static SymmetricEigen symmetricEigen(double[] s, int d, Precision precision) {
        checkSquare(s, d, "take the eigendecomposition of");
        double[] values;
        double[] vectors; // (d, d): column-major buffer of V (eigenvectors in columns) = row-major Vᵀ
        int info;
        // the row-major upper triangle is the column-major lower triangle: uplo 'L'
        if (precision == Precision.DOUBLE) {
            vectors = s.clone();
            values = new double[d];
            info = openblas.LAPACKE_dsyevd(openblas.LAPACK_COL_MAJOR, (byte) 'V', (byte) 'L', d, vectors, d,
                    values);
        } else {
            float[] vf = toFloat(s);
            float[] wf = new float[d];
            // minimum for JOBZ = 'V': 1 + 6·d + 2·d², and 3 + 5·d integers
            int lwork = floatWorkspace(Float.NaN, 1 + 6L * d + 2L * d * d, "ssyevd", d);
            int[] iwork = new int[Math.addExact(3, Math.multiplyExact(5, d))];
            info = openblas.LAPACKE_ssyevd_work(openblas.LAPACK_COL_MAJOR, (byte) 'V', (byte) 'L', d, vf, d, wf,
                    new float[lwork], lwork, iwork, iwork.length);
            vectors = toDouble(vf);
            values = toDouble(wf);
        }
        checkInfo(info, precision == Precision.DOUBLE ? "LAPACKE_dsyevd" : "LAPACKE_ssyevd", d);
        transposeInPlace(vectors, d); // row-major V, eigenvectors in columns
        return new SymmetricEigen(values, vectors);
    }

    /**
     * Householder QR of a square matrix (LAPACKE dgeqrf, then dorgqr forms Q); the input is not modified.
     * No sign convention is applied: see {@link Orthonormalization} for the one with diag(R) &gt; 0.
     *
     * @param a (d, d) row-major
     */
    public static Qr qr(double[] a, int d) {
        checkSquare(a, d, "take the QR factorization of");
        double[] q = a.clone();
        transposeInPlace(q, d); // column-major a
        double[] tau = new double[d];
        checkInfo(openblas.LAPACKE_dgeqrf(openblas.LAPACK_COL_MAJOR, d, d, q, d, tau), "LAPACKE_dgeqrf", d);
        double[] r = new double[q.length]; // (d, d) row-major; R sits on and above the diagonal
        for (int j = 0; j < d; j++) {
            for (int i = 0; i <= j; i++) {
                r[i * d + j] = q[j * d + i];
            }
        }
        checkInfo(openblas.LAPACKE_dorgqr(openblas.LAPACK_COL_MAJOR, d, d, d, q, d, tau), "LAPACKE_dorgqr", d);
        transposeInPlace(q, d); // back to row-major
        return new Qr(q, r);
    }

    /** Transposes a square (d, d) matrix in place. */
    public static void transposeInPlace(double[] a, int d) {
        checkSquare(a, d, "transpose");
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                double t = a[i * d + j];
                a[i * d + j] = a[j * d + i];
                a[j * d + i] = t;
            }
        }
    }

    private static void checkSquare(double[] a, int d, String action) {
        checkArgument(d >= 1, "Cannot %s a matrix of order %d: the order must be positive", action, d);
        checkArgument(a.length == Math.multiplyExact(d, d),
                "Cannot %s a (%d, %d) matrix: the array holds %d values, expected %d", action, d, d, a.length,
                (long) d * d);
    }

    private static void checkGemmShapes(int m, int n, int k, int aLength, int bLength, int cLength) {
        checkArgument(m >= 1 && n >= 1 && k >= 1, "Cannot multiply: dimensions m=%d, n=%d, k=%d must be positive",
                m, n, k);
        checkArgument(aLength == Math.multiplyExact(m, k) && bLength == Math.multiplyExact(k, n)
                        && cLength == Math.multiplyExact(m, n),
                "Cannot multiply (%d, %d)·(%d, %d) into (%d, %d): arrays hold %d, %d and %d values", m, k, k, n,
                m, n, aLength, bLength, cLength);
    }

    private static int trans(boolean transpose) {
        return transpose ? openblas.CblasTrans : openblas.CblasNoTrans;
    }

    private static void checkInfo(int info, String routine, int d) {
        checkState(info >= 0, "%s rejected argument %d (order %d)", routine, -info, d);
        checkState(info == 0, "%s did not converge (info = %d, order %d): is the input finite?", routine, info,
                d);
    }

    /**
     * A float LAPACK routine's workspace size. Single-precision routines report their workspace size in a
     * float, which rounds sizes above 2²⁴ (d ≳ 2900 for ssyevd) down, below the routine's own minimum: plain
     * LAPACKE_ssyevd then fails at d = 4096 with "parameter 8 had an illegal value". So: the queried size
     * rounded up, and never less than the documented minimum.
     */
    static int floatWorkspace(float queried, long minimum, String routine, int d) {
        long size = minimum;
        if (Float.isFinite(queried)) {
            size = Math.max(size, (long) Math.ceil(queried * (1 + 0x1.0p-23)));
        }
        checkArgument(size <= Integer.MAX_VALUE - 8,
                "Cannot run %s at order %d: its workspace of %d floats exceeds a Java array", routine, d, size);
        return (int) size;
    }

    static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    static double[] toDouble(float[] a) {
        double[] x = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            x[i] = a[i];
        }
        return x;
    }
}
