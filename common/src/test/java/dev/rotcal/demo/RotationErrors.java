package dev.rotcal.demo;

import dev.rotcal.linalg.RandomOrthogonal;
import dev.rotcal.linalg.RandomizedHadamard;
import dev.rotcal.model.forward.Gemm;
import dev.rotcal.quant.IntQuantizer;

/**
 * DFROT.md's per-token 4-bit error e = ‖x − Q(x)‖₂ (symmetric, per row, clip 1) of calibration rows
 * without rotation (NR), after a random orthogonal rotation (RO) and after a randomized Hadamard (RH).
 */
final class RotationErrors {
    private final int d;
    private final long seed;
    private final float[] randomOrthogonal; // (d, d) RO

    /** Errors of d-wide rows, RO and RH's signs drawn from {@code seed}. */
    RotationErrors(int d, long seed) {
        this.d = d;
        this.seed = seed;
        double[] ro = RandomOrthogonal.matrix(d, seed);
        this.randomOrthogonal = new float[ro.length];
        for (int i = 0; i < ro.length; i++) {
            randomOrthogonal[i] = (float) ro[i];
        }
    }

    /** Per-row errors of {@code rows} ((n, d) row-major) under NR, RO and RH: {nr, ro, rh}, each (n). */
    double[][] nrRoRh(float[] rows, int n) {
        float[] ro = new float[rows.length]; // (n, d) x · RO
        Gemm.times(rows, randomOrthogonal, ro, n, d, d);
        float[] rh = rows.clone();           // (n, d) x · D·H/√d
        RandomizedHadamard.apply(rh, n, d, seed);
        return new double[][] {errors(rows, n, d), errors(ro, n, d), errors(rh, n, d)};
    }

    /** (n) ‖x − Q(x)‖₂ per row. */
    static double[] errors(float[] rows, int n, int d) {
        float[] q = new float[rows.length];
        IntQuantizer.fakeQuantSymmetricPerRow(rows, q, n, d, 4, 1f);
        double[] e = new double[n];
        for (int r = 0; r < n; r++) {
            double s = 0;
            for (int c = r * d; c < (r + 1) * d; c++) {
                double diff = rows[c] - q[c];
                s += diff * diff;
            }
            e[r] = Math.sqrt(s);
        }
        return e;
    }
}
