package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;
import static dev.rotcal.Checks.checkState;

import dev.rotcal.linalg.DenseLinearAlgebra;

/**
 * Layer-output errors of a quantized linear, the objective of the FP4 format searches: with Y = X·Wᵀ,
 * ‖Y − X̂·Ŵᵀ‖² summed in double.
 *
 * <p>The products run as double GEMMs (OpenBLAS dgemm through {@link DenseLinearAlgebra#gemm}) on the float
 * operands widened to double: a product of two floats is exact in double, so every dot product differs from a
 * plain double loop only by the order of its additions (relative 1e-16), and an output column's value depends
 * on nothing but its own weight row, so a candidate row that equals the current row gives a bit-identical
 * column error (ties are ties). Single-precision sgemm is not used: measured on twelve random linears (20 and
 * 100 steps) it kept every choice of the dgemm search, but its float sums moved the errors by up to 4.5e-7
 * relative, far outside the 1e-9 agreement with plain double loops, so near-equal candidates could swap; it
 * ran the 64 × 512 × 1792 product in 1.6 ms against dgemm's 3.5 ms, a saving of under half of LLM-FP4's search
 * time, where quantizing the candidate rows costs about as much as the GEMMs.
 *
 * <p>W is taken in blocks of output rows ({@link #blockRows}, about {@link #BLOCK_DOUBLES} doubles per block)
 * so that a model-sized linear (14336 × 4096) never needs a double copy of the whole weight. Usage: set X̂
 * with {@link #input}, a block of Ŵ rows with {@link #weights}, then read {@link #columnErrors}; either side
 * can be replaced while the other is kept.
 */
final class LayerOutput {
    /** Doubles of one block of widened weight rows (8 MB): bounds the memory for model-sized linears. */
    static final int BLOCK_DOUBLES = 1 << 20;

    private final int n;
    private final int out;
    private final int in;
    private final double[] target; // (n, out) Y, or null for plain products
    private final int blockRows;
    private final double[] xq; // (n, in) X̂ in double
    private final double[] fullRows; // (blockRows, in) buffer of a full block of Ŵ rows
    private final double[] fullProduct; // (n, blockRows)
    private double[] shortRows; // (count, in) buffer of a shorter (last) block, allocated when first needed
    private double[] shortProduct; // (n, count)
    private double[] rows; // (count, in) the current block of Ŵ rows in double: fullRows or shortRows
    private double[] product; // (n, count) X̂·Ŵ_blockᵀ, valid when productValid
    private boolean productValid;
    private final double[] scratchErrors; // (blockRows) column errors of one block
    private int first = -1; // output channel of the block's first row; −1 before weights(…)
    private int count;

    /**
     * @param target (n, out) row-major Y that the errors are measured against; null when only
     *               {@link #product()} is read
     */
    LayerOutput(double[] target, int n, int out, int in) {
        checkArgument(n > 0 && out > 0 && in > 0, "Cannot multiply (%d, %d) rows by a (%d, %d) weight", n, in,
                out, in);
        checkArgument(target == null || target.length == Math.multiplyExact(n, out),
                "Cannot measure output errors against a target of %d values: need (%d, %d)",
                target == null ? 0 : target.length, n, out);
        this.n = n;
        this.out = out;
        this.in = in;
        this.target = target;
        this.blockRows = Math.max(1, Math.min(out, BLOCK_DOUBLES / in));
        this.xq = new double[Math.multiplyExact(n, in)];
        this.fullRows = new double[Math.multiplyExact(blockRows, in)];
        this.fullProduct = new double[Math.multiplyExact(n, blockRows)];
        this.scratchErrors = new double[blockRows];
    }

    /** Output rows per block of {@link #weights} (the last block may hold fewer). */
    int blockRows() {
        return blockRows;
    }

    /**
     * Sets X̂.
     *
     * @param x (n, in) row-major
     */
    void input(float[] x) {
        checkArgument(x.length == xq.length, "Cannot use %d values as (%d, %d) input rows", x.length, n, in);
        for (int i = 0; i < xq.length; i++) {
            xq[i] = x[i];
        }
        productValid = false; // the block of weight rows stays; its product is recomputed on demand
    }

    /**
     * Sets the block of Ŵ rows for output channels [first, first + count), count ≤ {@link #blockRows}: row i of
     * the block is w[off + i·in, off + (i + 1)·in).
     */
    void weights(float[] w, int off, int first, int count) {
        checkArgument(first >= 0 && count >= 1 && count <= blockRows && first + count <= out,
                "Cannot use weight rows [%d, %d) of %d in blocks of %d", first, first + count, out, blockRows);
        checkArgument(off >= 0 && off + (long) count * in <= w.length,
                "Cannot read %d weight rows of width %d at %d from %d values", count, in, off, w.length);
        if (count == blockRows) {
            rows = fullRows;
            product = fullProduct;
        } else {
            if (shortRows == null || shortRows.length != count * in) {
                shortRows = new double[count * in];
                shortProduct = new double[n * count];
            }
            rows = shortRows;
            product = shortProduct;
        }
        for (int i = 0; i < count * in; i++) {
            rows[i] = w[off + i];
        }
        this.first = first;
        this.count = count;
        productValid = false;
    }

    /** X̂·Ŵ_blockᵀ (n, count) row-major for the current input and block (a view, overwritten by later calls). */
    double[] product() {
        checkState(first >= 0, "[BUG] no weight rows set before the product");
        if (!productValid) {
            DenseLinearAlgebra.gemm(false, true, n, count, in, 1.0, xq, rows, 0.0, product);
            productValid = true;
        }
        return product;
    }

    /**
     * errors[i] = Σ_t (Y_{t, first+i} − x̂_t · ŵ_i)² for the block's rows i &lt; count, summed over t in order.
     *
     * @param errors (≥ count) output
     */
    void columnErrors(double[] errors) {
        checkState(target != null, "[BUG] output errors need a target");
        double[] p = product();
        for (int i = 0; i < count; i++) {
            errors[i] = 0;
        }
        for (int t = 0; t < n; t++) {
            int y = t * out + first;
            int q = t * count;
            for (int i = 0; i < count; i++) {
                double d = target[y + i] - p[q + i];
                errors[i] += d * d;
            }
        }
    }

    /** Σ of {@link #columnErrors} over the current block, added in channel order. */
    double blockError() {
        return addColumnErrors(0);
    }

    /**
     * ‖Y − X̂·Ŵᵀ‖² for the current input and all of Ŵ, block by block (the current block is replaced), the
     * column errors added in channel order.
     *
     * @param w (out, in) row-major Ŵ
     */
    double error(float[] w) {
        double total = 0;
        for (int r = 0; r < out; r += blockRows) {
            weights(w, r * in, r, Math.min(blockRows, out - r));
            total = addColumnErrors(total);
        }
        return total;
    }

    /** total + the current block's column errors, added one by one in channel order. */
    private double addColumnErrors(double total) {
        columnErrors(scratchErrors);
        double sum = total;
        for (int i = 0; i < count; i++) {
            sum += scratchErrors[i];
        }
        return sum;
    }

    /**
     * Y = X·Wᵀ in double.
     *
     * @param x (n, in) row-major
     * @param w (out, in) row-major
     * @return (n, out) row-major
     */
    static double[] exact(float[] x, int n, float[] w, int out, int in) {
        checkArgument(w.length == Math.multiplyExact(out, in), "Cannot use %d values as a (%d, %d) weight",
                w.length, out, in);
        double[] y = new double[Math.multiplyExact(n, out)]; // (n, out)
        LayerOutput products = new LayerOutput(null, n, out, in);
        products.input(x);
        for (int r = 0; r < out; r += products.blockRows) {
            int rowsHere = Math.min(products.blockRows, out - r);
            products.weights(w, r * in, r, rowsHere);
            double[] p = products.product(); // (n, rowsHere)
            for (int t = 0; t < n; t++) {
                System.arraycopy(p, t * rowsHere, y, t * out + r, rowsHere);
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
        checkArgument(wq.length == Math.multiplyExact(out, in), "Cannot use %d values as a (%d, %d) weight",
                wq.length, out, in);
        LayerOutput products = new LayerOutput(target, n, out, in);
        products.input(xq);
        return products.error(wq);
    }
}
