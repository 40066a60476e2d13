package dev.rotcal.dfrot;

import java.util.EnumMap;
import java.util.Map;

/**
 * Wall time of each phase of {@link ProcrustesBlockKernel}, summed over the blocks it added: shows whether
 * the two GEMMs or something around them bound an iteration. Not thread-safe.
 */
public final class BlockPhaseTimes {
    /** The phases, in the order a block goes through them. */
    public enum Phase {
        /** R (double) to float in native memory, once per kernel. */
        CONVERT_R("R to float, native", false),
        /** diag(w)·A into the native block. */
        LOAD_A("A_w into native", false),
        /** Y = A_w·R. */
        GEMM_Y("GEMM 1: Y = A_w·R", true),
        /** Y from native memory to the heap. */
        COPY_Y("Y native to heap", false),
        /** B = Q(Y) and the loss. */
        QUANTIZE("B = Q(Y) and loss", false),
        /** B from the heap into native memory. */
        COPY_B("B heap to native", false),
        /** C += A_wᵀ·B in float. */
        GEMM_C("GEMM 2: C += A_wᵀ·B", true),
        /** float C into the accumulator's double C. */
        FLUSH_C("C float to double", false);

        private final String label;
        private final boolean gemm;

        Phase(String label, boolean gemm) {
            this.label = label;
            this.gemm = gemm;
        }

        public String label() {
            return label;
        }

        /** True for the two GEMMs, false for the copies, conversions and the quantizer around them. */
        public boolean gemm() {
            return gemm;
        }
    }

    private final long[] nanos = new long[Phase.values().length];
    private long rows;

    void add(Phase phase, long elapsedNanos) {
        nanos[phase.ordinal()] += elapsedNanos;
    }

    void addRows(long count) {
        rows += count;
    }

    public double seconds(Phase phase) {
        return nanos[phase.ordinal()] / 1e9;
    }

    /** Rows that went through the GEMMs. */
    public long rows() {
        return rows;
    }

    /** Seconds per phase, in phase order. */
    public Map<Phase, Double> seconds() {
        Map<Phase, Double> out = new EnumMap<>(Phase.class);
        for (Phase phase : Phase.values()) {
            out.put(phase, seconds(phase));
        }
        return out;
    }
}
