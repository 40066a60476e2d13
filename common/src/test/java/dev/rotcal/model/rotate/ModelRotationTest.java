package dev.rotcal.model.rotate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotcal.linalg.RandomOrthogonal;
import dev.rotcal.linalg.RandomizedHadamard;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.TestFixtures;
import dev.rotcal.model.forward.CaptureSwitches;
import dev.rotcal.model.forward.DecoderLayer;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerHooks;
import dev.rotcal.model.forward.LayerWeights;
import dev.rotcal.model.forward.ModelForward;
import dev.rotcal.model.forward.ModelWeights;
import dev.rotcal.model.forward.NativeLayerWeights;
import dev.rotcal.model.forward.RotaryEmbedding;
import dev.rotcal.model.safetensors.Checkpoint;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rotated model computes the same function: on the tiny-qwen2 fixture (q/k/v biases, tied embeddings,
 * GQA 4/2, head_dim 12 = 12·2^0, intermediate 112 = 28·4) the logits of the folded and rotated model equal
 * the original's, and each rotated layer maps h·R1 to (its original output)·R1.
 */
class ModelRotationTest {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRotationTest.class);
    private static final double LOGIT_TOLERANCE = 1e-3;  // max |Δlogit| / max |logit|
    private static final double LAYER_TOLERANCE = 1e-4;  // max |Δh| / max |h|
    private static final int SEQ_LEN = 16;

    static ModelConfig config;
    static ModelWeights weights;
    static DecoderShape shape;
    static int[] tokens;
    static float[] logits;     // (rows, vocab) of the original model

    @BeforeAll
    static void readFixture() {
        Path dir = TestFixtures.dir(TestFixtures.TINY_QWEN2);
        config = ModelConfig.read(dir.resolve(ModelConfig.FILE_NAME));
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            weights = ModelWeights.read(checkpoint, config);
        }
        shape = DecoderShape.of(config);
        tokens = RotationChecks.randomTokens(3 * SEQ_LEN, config.vocabSize(), 5);
        try (ModelForward model = ModelForward.of(config, weights)) {
            logits = model.logits(tokens, SEQ_LEN);
        }
    }

    @Test
    void foldedGainsAndRandomOrthogonalR1LeaveLogitsUnchanged() {
        double[] r1 = RandomOrthogonal.matrix(shape.hidden(), 11);
        ModelWeights rotated = ModelRotation.rotateModel(weights, r1, shape, false, false);
        float[] actual;
        try (ModelForward model = ModelForward.of(config, rotated)) {
            actual = model.logits(tokens, SEQ_LEN);
        }
        double error = RotationChecks.maxRelativeDifference(actual, logits);
        LOG.info("tiny-qwen2, fold + random orthogonal R1: max |Δlogit| / max |logit| = {}", error);
        assertThat(error).as("logits of the folded, R1-rotated model").isLessThan(LOGIT_TOLERANCE);
        assertThat(rotated.finalNorm()).as("model.norm gain folded into lm_head").containsOnly(1f);
        assertThat(rotated.layers().get(0).inputNorm()).as("input_layernorm folded").containsOnly(1f);
        assertThat(rotated.layers().get(1).postAttentionNorm()).as("post_attention_layernorm folded")
                .containsOnly(1f);
        assertThat(rotated.lmHead()).as("tied embeddings come back untied (lm_head carries the final gain)")
                .isNotSameAs(rotated.embedTokens()).isNotEqualTo(rotated.embedTokens());
        assertThat(rotated.layers().get(0).bq()).as("q bias untouched by R1")
                .containsExactly(weights.layers().get(0).bq());
    }

    @Test
    void hadamardR1WithR2R3AndR4LeavesLogitsUnchanged() {
        double[] r1 = RandomizedHadamard.matrix(shape.hidden(), 12);
        ModelWeights rotated = ModelRotation.rotateModel(weights, r1, shape, true, true);
        OnlineRotationHooks online = OnlineRotationHooks.quarot(shape, true);
        float[] actual;
        try (ModelForward model = ModelForward.of(config, rotated, online)) {
            actual = model.logits(tokens, SEQ_LEN);
        }
        double error = RotationChecks.maxRelativeDifference(actual, logits);
        LOG.info("tiny-qwen2, fold + randomized Hadamard R1 + R2 + R3 + R4: max |Δlogit| / max |logit| = {}",
                error);
        assertThat(error).as("logits of the fully rotated model with its online rotations")
                .isLessThan(LOGIT_TOLERANCE);
        assertThat(rotated.layers().get(0).bv()).as("R2 rotates the v bias with v's heads")
                .isNotEqualTo(weights.layers().get(0).bv());

        float[] withoutOnline;
        try (ModelForward model = ModelForward.of(config, rotated)) {
            withoutOnline = model.logits(tokens, SEQ_LEN);
        }
        double broken = RotationChecks.maxRelativeDifference(withoutOnline, logits);
        LOG.info("tiny-qwen2, the same weights without the online R4: max |Δlogit| / max |logit| = {}", broken);
        assertThat(broken).as("R4's offline half needs its online half").isGreaterThan(100 * LOGIT_TOLERANCE);
    }

    @Test
    void r3AloneLeavesLogitsUnchanged() {
        float[] actual;
        try (ModelForward model = ModelForward.of(config, weights,
                new OnlineRotationHooks(shape, ModelRotation.r3(shape), null))) {
            actual = model.logits(tokens, SEQ_LEN);
        }
        double error = RotationChecks.maxRelativeDifference(actual, logits);
        LOG.info("tiny-qwen2, R3 on q and k only: max |Δlogit| / max |logit| = {}", error);
        assertThat(error).as("a per-head rotation of q and k keeps every q·kᵀ").isLessThan(LOGIT_TOLERANCE);
    }

    @Test
    void eachFixtureLayerMapsRotatedInputToRotatedOutput() {
        double[] r1 = RandomOrthogonal.matrix(shape.hidden(), 13);
        DecoderLayer layer = new DecoderLayer(shape, RotaryEmbedding.of(config));
        for (int l = 0; l < weights.layers().size(); l++) {
            double error = layerError(layer, weights.layers().get(l), r1, new Random(20 + l));
            LOG.info("tiny-qwen2 layer {}: max |rotated output − output·R1| / max |output·R1| = {}", l, error);
            assertThat(error).as("layer %d: rotated(h·R1) = layer(h)·R1", l).isLessThan(LAYER_TOLERANCE);
        }
    }

    @Test
    void aRandomGqaLayerWithBiasesMapsRotatedInputToRotatedOutput() {
        DecoderShape s = new DecoderShape(40, 80, 6, 2, 20, 1e-6);  // 40 = 20·2, head_dim 20, 80 = 20·4
        Random rng = new Random(31);
        LayerWeights w = RandomLayers.layer(rng, s);
        DecoderLayer layer = new DecoderLayer(s, RotaryEmbedding.standard(s.headDim(), 10000));
        double error = layerError(layer, w, RandomOrthogonal.matrix(s.hidden(), 14), rng);
        LOG.info("random GQA 6/2 layer with biases: max relative layer error = {}", error);
        assertThat(error).as("rotated(h·R1) = layer(h)·R1 with R2, R3, R4").isLessThan(LAYER_TOLERANCE);
    }

    @Test
    void aLayerBuiltOneProjectionAtATimeEqualsTheWholeRotatedLayerBitForBit() {
        DecoderShape s = new DecoderShape(40, 80, 6, 2, 20, 1e-6);
        LayerWeights w = RandomLayers.layer(new Random(32), s);
        double[] r1 = RandomOrthogonal.matrix(s.hidden(), 15);
        LayerWeights whole = ModelRotation.rotateLayer(w, r1, s, true, true);
        try (NativeLayerWeights streamed = ModelRotation.rotateLayerToNative(w::tensor, r1, s, true, true);
             NativeLayerWeights copied = NativeLayerWeights.copyOf(whole, s)) {
            for (String name : NativeLayerWeights.PROJECTIONS) {
                assertThat(streamed.projection(name)).as(name).isEqualTo(copied.projection(name));
            }
        }
        assertThat(ModelRotation.rotateVBias(w.bv(), s, ModelRotation.r2(s))).isEqualTo(whole.bv());
    }

    /** Runs the original layer on h and the rotated one (R2, R3, R4) on h·R1; returns the relative error. */
    private static double layerError(DecoderLayer layer, LayerWeights w, double[] r1, Random rng) {
        DecoderShape s = layer.shape();
        int d = s.hidden();
        int rows = 2 * SEQ_LEN;
        float[] h = new float[rows * d];    // (rows, d)
        for (int i = 0; i < h.length; i++) {
            h[i] = (float) rng.nextGaussian();
        }
        float[] rotatedH = RotationChecks.times(h, rows, r1, d);
        int[] positions = ModelForward.positions(rows, SEQ_LEN);
        layer.forward(h, positions, SEQ_LEN, w, CaptureSwitches.NONE);
        LayerWeights rotated = ModelRotation.rotateLayer(w, r1, s, true, true);
        LayerHooks online = OnlineRotationHooks.quarot(s, true);
        layer.forward(rotatedH, positions, SEQ_LEN, rotated, CaptureSwitches.NONE, online);
        return RotationChecks.maxRelativeDifference(rotatedH, RotationChecks.times(h, rows, r1, d));
    }

    @Test
    void readerSiteInChunksEqualsThePlainProduct() {
        int out = 2500;   // three chunks of rows: 1024, 1024, 452
        int d = 8;
        Random rng = new Random(41);
        float[] w = RandomLayers.gaussian(rng, out * d, 1);      // (out, d)
        float[] gain = RandomLayers.gaussian(rng, d, 1);         // (d)
        double[] r1 = RandomOrthogonal.matrix(d, 42);           // (d, d)
        float[] actual = ModelRotation.readerSide(w, out, gain, r1, d);
        double worst = 0;
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < d; j++) {
                double expected = 0;    // (W·diag(g)·R1)[o, j], plain loops in double
                for (int c = 0; c < d; c++) {
                    expected += (double) w[o * d + c] * gain[c] * r1[c * d + j];
                }
                worst = Math.max(worst, Math.abs(actual[o * d + j] - expected) / Math.max(1, Math.abs(expected)));
            }
        }
        assertThat(worst).as("W·diag(g)·R1 over row chunks, stored as float").isLessThan(1e-6);
    }

    @Test
    void refusesANonOrthogonalR1AndMismatchedSpecs() {
        double[] notOrthogonal = RandomOrthogonal.matrix(shape.hidden(), 15);
        notOrthogonal[0] += 0.01;
        LayerWeights layer = weights.layers().get(0);
        assertThatThrownBy(() -> ModelRotation.rotateLayer(layer, notOrthogonal, shape, false, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Cannot rotate with R1")
                .hasMessageContaining("not orthogonal");
        assertThatThrownBy(() -> ModelRotation.rotateLayer(layer, new double[4], shape, false, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(48, 48)");
        double[] r1 = RandomOrthogonal.matrix(shape.hidden(), 16);
        assertThatThrownBy(() -> ModelRotation.rotateLayer(layer, r1, shape, null,
                OnlineRotationSpec.hadamard("R4", 48))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("intermediate_size is 112");
    }

    @Test
    void theWriterSideInColumnChunksEqualsOneDoubleProductOfTheWholeMatrixRoundedOnce() {
        Random rng = new Random(71);
        int d = 48;
        int in = 2500;                                   // chunks of 1024, 1024 and a short 452
        double[] r1 = RandomOrthogonal.matrix(d, 7);
        float[] w = new float[d * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rng.nextGaussian();
        }
        double[] a = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            a[i] = w[i];
        }
        double[] plain = new double[w.length];           // R1ᵀ·W as one dgemm
        dev.rotcal.linalg.DenseLinearAlgebra.gemm(true, false, d, in, d, 1.0, r1, a, 0.0, plain);
        float[] rounded = new float[plain.length];
        for (int i = 0; i < plain.length; i++) {
            rounded[i] = (float) plain[i];
        }
        assertThat(ModelRotation.writerSide(w, in, r1, d)).as("column chunks of R1ᵀ·W in double, rounded once")
                .containsExactly(rounded);
    }
}
