package dev.rotcal.jobs.capture;

import static dev.rotcal.Checks.checkArgument;

/**
 * Packs (layer, site, sequence, position) into one long so row sets (the massive rows) broadcast as
 * sorted long arrays: layer 14 bits, site 1 bit, sequence 24 bits, position 24 bits.
 */
public final class RowKeys {
    private static final int POSITION_BITS = 24;
    private static final int SEQUENCE_BITS = 24;
    private static final int LAYER_BITS = 14;

    private RowKeys() {
    }

    public static long of(int layer, RowSite site, int sequence, int position) {
        checkArgument(layer >= 0 && layer < (1 << LAYER_BITS) && sequence >= 0 && sequence < (1 << SEQUENCE_BITS)
                        && position >= 0 && position < (1 << POSITION_BITS),
                "Cannot key row (layer %d, sequence %d, position %d): out of range", layer, sequence, position);
        long key = layer;
        key = (key << 1) | site.ordinal();
        key = (key << SEQUENCE_BITS) | sequence;
        return (key << POSITION_BITS) | position;
    }

    public static int layer(long key) {
        return (int) (key >>> (POSITION_BITS + SEQUENCE_BITS + 1));
    }

    public static RowSite site(long key) {
        return RowSite.values()[(int) ((key >>> (POSITION_BITS + SEQUENCE_BITS)) & 1)];
    }

    public static int sequence(long key) {
        return (int) ((key >>> POSITION_BITS) & ((1 << SEQUENCE_BITS) - 1));
    }

    public static int position(long key) {
        return (int) (key & ((1 << POSITION_BITS) - 1));
    }
}
