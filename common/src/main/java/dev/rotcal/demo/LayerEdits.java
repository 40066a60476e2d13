package dev.rotcal.demo;

import dev.rotcal.model.LayerTensor;

/**
 * Where a circuit writes: one decoder layer's matrices (HF [out, in] row-major), edited by whole rows, whole
 * columns and single entries, in order (a later edit of an entry wins). {@link DemoLayerWeights} applies the
 * edits to arrays at once (the default demo); {@link LayerPlan} records them so that a real-width layer can be
 * generated and written chunk by chunk. Zeroing a row of q/k/v also zeroes its bias entry where the family has
 * biases (qwen2), so the rows a circuit writes are exactly what it sets.
 */
interface LayerEdits {

    /** Row {@code row} of {@code matrix} := 0 (and its bias entry, for q/k/v with biases). */
    void zeroRow(LayerTensor matrix, int row);

    /** Column {@code column} of {@code matrix} := 0. */
    void zeroColumn(LayerTensor matrix, int column);

    /** Entry ({@code row}, {@code column}) of {@code matrix} := {@code value}. */
    void set(LayerTensor matrix, int row, int column, float value);
}
