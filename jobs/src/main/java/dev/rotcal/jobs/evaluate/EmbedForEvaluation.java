package dev.rotcal.jobs.evaluate;

import dev.rotcal.jobs.capture.LayerWeightsCache;
import dev.rotcal.jobs.capture.ModelSource;
import dev.rotcal.jobs.capture.TokenBlock;
import dev.rotcal.linalg.DenseLinearAlgebra;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.rotate.ModelRotation;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;

/** Executor side: the embeddings of a held-out block for every variant (E·R1 for the rotated ones). */
final class EmbedForEvaluation implements Function<TokenBlock, EvalBlock> {
    private static final long serialVersionUID = 1L;

    private final ModelSource model;
    private final Broadcast<EvalPlan> plan;
    private final int blasThreads;

    EmbedForEvaluation(ModelSource model, Broadcast<EvalPlan> plan, int blasThreads) {
        this.model = model;
        this.plan = plan;
        this.blasThreads = blasThreads;
    }

    @Override
    public EvalBlock call(TokenBlock block) {
        DenseLinearAlgebra.setBlasThreads(blasThreads);
        ModelConfig config = model.config();
        int d = config.hiddenSize();
        int n = block.rows();
        float[] embedded = LayerWeightsCache.readRows(model, config.layout().embedTokens(), block.tokens()); // (n, d)
        Map<String, float[]> hidden = new LinkedHashMap<>();
        for (EvalVariant v : plan.value().variants()) {
            hidden.put(v.name(), v.rotated() ? ModelRotation.rotateRows(embedded, n, plan.value().modelRotations().get(v.rotation()), d)
                    : embedded.clone());
        }
        return new EvalBlock(block, hidden, 0);
    }
}
