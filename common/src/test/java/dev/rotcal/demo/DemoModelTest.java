package dev.rotcal.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotcal.model.CheckpointValidator;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.ModelFamily;
import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The demo model folder: a valid HF LLaMA checkpoint, byte-identical per spec; the weights of its circuits. */
class DemoModelTest {
    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void writeModel() {
        model = tmp.resolve("demo");
        DemoModel.write(model, DemoModelSpec.defaults());
    }

    @Test
    void twoWritesGiveIdenticalBytes() throws IOException {
        Path again = tmp.resolve("again");
        DemoModel.write(again, DemoModelSpec.defaults());
        List<String> files;
        try (Stream<Path> list = Files.list(model)) {
            files = list.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(files).as("the HF folder's files").containsExactly(DemoModel.CONFIG_JSON, DemoModel.WEIGHTS,
                DemoModel.MECHANISM_JSON, "special_tokens_map.json", DemoModel.TOKENIZER_JSON,
                "tokenizer_config.json");
        for (String file : files) {
            assertThat(Files.readAllBytes(again.resolve(file))).as("%s is byte-identical for the same spec", file)
                    .isEqualTo(Files.readAllBytes(model.resolve(file)));
        }
    }

    @Test
    void anotherSeedGivesOtherWeights() {
        DemoModelSpec other = DemoModelSpec.defaults().withSeed(7);
        DemoMechanism a = DemoMechanism.of(DemoModelSpec.defaults());
        DemoMechanism b = DemoMechanism.of(other);
        assertThat(b.channels().massive()).as("the seed moves the planted channels")
                .isNotEqualTo(a.channels().massive());
    }

    @Test
    void checkpointValidatesAgainstItsConfig() {
        ModelConfig config = ModelConfig.read(model.resolve(DemoModel.CONFIG_JSON));
        assertThat(config.family()).as("model_type").isEqualTo(ModelFamily.LLAMA);
        assertThat(List.of(config.hiddenSize(), config.numHiddenLayers(), config.numAttentionHeads(),
                config.numKeyValueHeads(), config.headDim(), config.intermediateSize(), config.vocabSize()))
                .as("the default demo size").containsExactly(512, 6, 8, 2, 64, 1792, 1536);
        assertThat(config.tieWordEmbeddings()).as("untied lm_head").isFalse();
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            assertThatCode(() -> CheckpointValidator.validate(config, checkpoint)).as("every tensor present with"
                    + " the shape config.json implies").doesNotThrowAnyException();
            assertThat(checkpoint.infos().values()).as("all weights are BF16")
                    .allSatisfy(info -> assertThat(info.dtype()).isEqualTo(SafetensorsDtype.BF16));
        }
    }

    @Test
    void mechanismFileNamesThePlantedChannels() throws IOException {
        JsonNode json = new ObjectMapper().readTree(model.resolve(DemoModel.MECHANISM_JSON).toFile());
        DemoMechanism mechanism = DemoMechanism.of(DemoModelSpec.defaults());
        assertThat(json.get("planted_layer").asInt()).as("planted layer").isEqualTo(2);
        assertThat(json.get("delimiter_token").asText()).as("the delimiter is a paragraph break").isEqualTo("\n");
        assertThat(List.of(json.get("massive_channels").get(0).asInt(), json.get("massive_channels").get(1).asInt()))
                .as("massive channels as DemoMechanism.of computes them")
                .containsExactly(mechanism.channels().massive()[0], mechanism.channels().massive()[1]);
    }

    @Test
    void reservedChannelsAreWrittenOnlyByTheMechanism() {
        DemoModelSpec spec = DemoModelSpec.defaults();
        DemoMechanism mechanism = DemoMechanism.of(spec);
        DemoChannels ch = mechanism.channels();
        int qDim = spec.numHeads() * spec.headDim();
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            for (int layer = 0; layer < spec.numLayers(); layer++) {
                float[] o = checkpoint.readFloats("model.layers." + layer + ".self_attn.o_proj.weight"); // (d, qDim)
                for (int c : new int[] {ch.constant(), ch.flag(), ch.z(), ch.code()[0]}) {
                    assertThat(rowNonZeros(o, c, qDim)).as("layer %d o_proj writes nothing into channel %d", layer, c)
                            .isZero();
                }
                int dRow = ch.difference()[5];
                assertThat(rowNonZeros(o, dRow, qDim)).as("layer %d o_proj row of a difference channel", layer)
                        .isEqualTo(layer == 0 ? 2 : 0);
            }
            float[] o0 = checkpoint.readFloats("model.layers.0.self_attn.o_proj.weight");
            int hd = spec.headDim();
            assertThat(o0[ch.difference()[5] * qDim + PositionZeroCircuit.SELF_HEAD * hd + 5]).as("D = +self")
                    .isEqualTo(1f);
            assertThat(o0[ch.difference()[5] * qDim + PositionZeroCircuit.MEAN_HEAD * hd + 5]).as("D = −mean")
                    .isEqualTo(-1f);
        }
    }

    @Test
    void specRejectsSizesTheMechanismCannotUse() {
        assertThatThrownBy(() -> new DemoModelSpec(512, 6, 8, 8, 64, 1792, 1536, 1e4, 1e-5, 4096, 2, 1))
                .as("one query head per KV head cannot host the self and prefix-mean heads")
                .hasMessageStartingWith("Cannot build a demo model with 8 heads and 8 KV heads");
        assertThatThrownBy(() -> new DemoModelSpec(512, 6, 8, 2, 64, 1792, 1536, 1e4, 1e-5, 4096, 0, 1))
                .as("layer 0 computes Z, so it cannot be the planted layer")
                .hasMessageContaining("planted layer 0");
    }

    /**
     * Layer 0's rotary self head from the written BF16 weights: q and k of the constant c0 rotated by RoPE in
     * closed form (HF rotate_half pairs (p, p + head_dim/2), angle = position·θ^(−2p/head_dim)). Every key
     * other than the query's own position must score ≥ 30 logits lower, for all Δ up to max_position.
     */
    @Test
    void selfHeadPeaksAtTheQueryPositionByAtLeast30Logits() {
        DemoModelSpec spec = DemoModelSpec.defaults();
        DemoMechanism mechanism = DemoMechanism.of(spec);
        int d = spec.hiddenSize();
        int hd = spec.headDim();
        int c0 = mechanism.channels().constant();
        double[] q = new double[hd]; // (hd) self head's q before RoPE
        double[] k = new double[hd]; // (hd) KV head 0's k before RoPE
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            float[] embed = checkpoint.readFloats("model.embed_tokens.weight"); // (vocab, d)
            float[] wq = checkpoint.readFloats("model.layers.0.self_attn.q_proj.weight"); // (heads·hd, d)
            float[] wk = checkpoint.readFloats("model.layers.0.self_attn.k_proj.weight"); // (kv·hd, d)
            float[] gain = checkpoint.readFloats("model.layers.0.input_layernorm.weight"); // (d)
            double sum = 0;
            for (int c = 0; c < d; c++) {
                sum += (double) embed[100 * d + c] * embed[100 * d + c];
            }
            double xc0 = embed[100 * d + c0] / Math.sqrt(sum / d + spec.rmsNormEps()) * gain[c0];
            for (int r = 0; r < hd; r++) {
                // only c0 matters for the position pairs of q and k (the rest of the rows is zero there)
                q[r] = wq[(PositionZeroCircuit.SELF_HEAD * hd + r) * d + c0] * xc0;
                k[r] = wk[r * d + c0] * xc0;
            }
        }
        double peak = score(q, k, 0, spec);
        double worst = Double.NEGATIVE_INFINITY;
        for (int delta = 1; delta < spec.maxPositionEmbeddings(); delta++) {
            worst = Math.max(worst, score(q, k, delta, spec));
        }
        LoggerFactory.getLogger(DemoModelTest.class).info("self head: peak score {} at Δ = 0, best other key {}",
                String.format("%.1f", peak), String.format("%.1f", worst));
        assertThat(peak - worst).as("logit gap between j = i and the best other key (peak %.1f)", peak)
                .isGreaterThanOrEqualTo(30.0);
    }

    /**
     * q(i)·k(i − Δ)/√hd after RoPE:
     * Σ_p (q_p k_p + q_{p+h} k_{p+h}) cos(Δω_p) − (q_{p+h} k_p − q_p k_{p+h}) sin(Δω_p), h = head_dim / 2.
     */
    private static double score(double[] q, double[] k, int delta, DemoModelSpec spec) {
        int half = spec.headDim() / 2;
        double s = 0;
        for (int p = 0; p < half; p++) {
            double angle = delta * Math.pow(spec.ropeTheta(), -2.0 * p / spec.headDim());
            s += (q[p] * k[p] + q[p + half] * k[p + half]) * Math.cos(angle)
                    - (q[p + half] * k[p] - q[p] * k[p + half]) * Math.sin(angle);
        }
        return s / Math.sqrt(spec.headDim());
    }

    private static int rowNonZeros(float[] m, int row, int cols) {
        int n = 0;
        for (int j = 0; j < cols; j++) {
            n += m[row * cols + j] != 0f ? 1 : 0;
        }
        return n;
    }
}
