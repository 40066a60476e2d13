package dev.rotcal.demo;

import static dev.rotcal.Checks.checkArgument;

/**
 * The widths of a real-shaped model: what its config.json says and what its tensors' shapes follow from.
 *
 * @param headDim  per-head size (128 for every shape rotcal writes; config.json names it only when it is not
 *                 hidden / heads, as the real files do)
 */
public record ShapeWidths(int hidden, int intermediate, int heads, int kvHeads, int headDim, int vocab) {

    public ShapeWidths {
        checkArgument(hidden > 0 && intermediate > 0 && heads > 0 && kvHeads > 0 && headDim > 0 && vocab > 0
                && heads % kvHeads == 0 && headDim % 2 == 0, "Cannot build a model of widths hidden %d, intermediate"
                + " %d, %d heads on %d KV heads, head_dim %d, vocab %d", hidden, intermediate, heads, kvHeads,
                headDim, vocab);
    }
}
