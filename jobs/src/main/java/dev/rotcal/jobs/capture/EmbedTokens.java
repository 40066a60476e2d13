package dev.rotcal.jobs.capture;

import dev.rotcal.model.ModelConfig;
import org.apache.spark.api.java.function.Function;

/** Executor side: a token block → its residual stream before layer 0 (the embedding rows of its tokens). */
public final class EmbedTokens implements Function<TokenBlock, HiddenBlock> {
    private static final long serialVersionUID = 1L;

    private final ModelSource model;

    public EmbedTokens(ModelSource model) {
        this.model = model;
    }

    @Override
    public HiddenBlock call(TokenBlock block) {
        ModelConfig config = model.config();
        float[] hidden = LayerWeightsCache.readRows(model, config.layout().embedTokens(), block.tokens()); // (rows, d)
        return new HiddenBlock(block, hidden, 0);
    }
}
