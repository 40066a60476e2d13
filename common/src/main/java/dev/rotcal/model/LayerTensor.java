package dev.rotcal.model;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The weights of one decoder layer, by role, with the shape the config implies (HF nn.Linear stores W as
 * [out, in]). Which roles a family has and what they are called is in {@link TensorLayout}.
 */
public enum LayerTensor {
    INPUT_NORM(c -> shape(c.hiddenSize())),
    Q_PROJ(c -> shape(c.queryDim(), c.hiddenSize())),
    Q_BIAS(c -> shape(c.queryDim())),
    K_PROJ(c -> shape(c.kvDim(), c.hiddenSize())),
    K_BIAS(c -> shape(c.kvDim())),
    V_PROJ(c -> shape(c.kvDim(), c.hiddenSize())),
    V_BIAS(c -> shape(c.kvDim())),
    O_PROJ(c -> shape(c.hiddenSize(), c.queryDim())),
    POST_ATTENTION_NORM(c -> shape(c.hiddenSize())),
    GATE_PROJ(c -> shape(c.intermediateSize(), c.hiddenSize())),
    UP_PROJ(c -> shape(c.intermediateSize(), c.hiddenSize())),
    DOWN_PROJ(c -> shape(c.hiddenSize(), c.intermediateSize()));

    private final Function<ModelConfig, List<Long>> shape;

    LayerTensor(Function<ModelConfig, List<Long>> shape) {
        this.shape = shape;
    }

    /** The shape {@code config} implies for this tensor, e.g. K_PROJ: [kv_heads · head_dim, hidden]. */
    public List<Long> shape(ModelConfig config) {
        return shape.apply(config);
    }

    static List<Long> shape(int... dims) {
        return Arrays.stream(dims).mapToObj(d -> (long) d).toList();
    }
}
