package dev.rotcal.model.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link SafetensorsWriter#concat}: parts written apart and joined equal the whole written at once, byte for byte. */
class SafetensorsConcatTest {
    private final SplittableRandom random = new SplittableRandom(7);

    private float[] gaussians(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private List<Tensor> tensors() {
        int[] packed = new int[96];
        for (int i = 0; i < packed.length; i++) {
            packed[i] = random.nextInt();
        }
        byte[] codes = new byte[40];
        random.nextBytes(codes);
        return List.of(
                Tensor.ofFloats("model.layers.3.self_attn.q_proj.rtn.weight_scale", SafetensorsDtype.BF16,
                        List.of(12L, 1L), gaussians(12)),
                Tensor.ofInts("model.layers.3.mlp.down_proj.gptq.weight_packed", List.of(8L, 12L), packed),
                Tensor.ofFloats("model.layers.3.mlp.down_proj_in.clip_ratio", SafetensorsDtype.F32, List.of(),
                        new float[] {0.9f}),
                Tensor.ofBytes("model.layers.3.mlp.up_proj.nvfp4.weight_packed", SafetensorsDtype.U8,
                        List.of(4L, 10L), codes),
                Tensor.ofLongs("model.layers.3.self_attn.o_proj.gptq.weight_shape", List.of(2L), new long[] {12, 96}),
                // larger than one copy chunk: the copy loops
                Tensor.ofFloats("model.layers.3.mlp.gate_proj.weight", SafetensorsDtype.F32, List.of(1L << 20, 2L),
                        gaussians(1 << 21)));
    }

    private static byte[] write(Map<String, String> metadata, List<Tensor> tensors) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafetensorsWriter.write(out, metadata, tensors);
        return out.toByteArray();
    }

    private static SafetensorsFile open(String name, byte[] bytes) {
        return SafetensorsFile.open(new InMemoryByteSource(name, bytes));
    }

    @Test
    void joinedPartsEqualTheWholeFileByteForByte() {
        List<Tensor> all = tensors();
        Map<String, String> metadata = Map.of("format", "rotcal.layer-scales.v1", "layer", "3");
        byte[] whole = write(metadata, all);
        // parts split across the name order, with their own (dropped) metadata, one empty
        List<List<Tensor>> split = List.of(List.of(all.get(5), all.get(0)), List.of(all.get(2)), List.of(),
                List.of(all.get(4), all.get(1), all.get(3)));
        List<SafetensorsFile> parts = new ArrayList<>();
        for (int i = 0; i < split.size(); i++) {
            parts.add(open("part-" + i, write(Map.of("part", "" + i), split.get(i))));
        }
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        SafetensorsWriter.concat(joined, metadata, parts);
        assertThat(joined.toByteArray()).isEqualTo(whole);
        try (SafetensorsFile back = open("joined", joined.toByteArray())) {
            assertThat(back.read("model.layers.3.mlp.down_proj.gptq.weight_packed").ints())
                    .isEqualTo(all.get(1).ints());
        }
    }

    @Test
    void aTensorInTwoPartsIsRefused() {
        List<Tensor> all = tensors();
        List<SafetensorsFile> parts = List.of(open("a", write(Map.of(), List.of(all.get(0), all.get(2)))),
                open("b", write(Map.of(), List.of(all.get(2)))));
        assertThatThrownBy(() -> SafetensorsWriter.concat(new ByteArrayOutputStream(), Map.of(), parts))
                .hasMessageContaining("model.layers.3.mlp.down_proj_in.clip_ratio");
    }
}
