package dev.rotcal.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotcal.artifact.LocalStorage;
import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.SafetensorsWriter;
import dev.rotcal.model.safetensors.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTokenSourceTest {
    @TempDir
    Path tmp;

    private Path write(Tensor... tensors) {
        Path file = tmp.resolve("tokens.safetensors");
        SafetensorsWriter.write(file, Map.of(), List.of(tensors));
        return file;
    }

    @Test
    void readsTheOnlyIntegerTensorByDefault() {
        int[] ids = {5, 6, 7, 8, 9, 10};
        Path file = write(Tensor.ofInts("input_ids", List.of(2L, 3L), ids),
                Tensor.ofFloats("attention_scale", SafetensorsDtype.F32, List.of(1L), new float[] {1f}));
        TokenCorpus corpus = new SafetensorsTokenSource().read(InputFile.local(file));
        assertThat(corpus.ids()).as("the I32 tensor, row after row").containsExactly(ids);
        assertThat(corpus.rowLength()).as("seq_len").isEqualTo(3);
        assertThat(corpus.source()).as("source names the tensor").endsWith("#input_ids");
    }

    @Test
    void readsANamedI64Tensor() {
        Path file = write(Tensor.ofLongs("train", List.of(4L), new long[] {1, 2, 3, 4}),
                Tensor.ofLongs("eval", List.of(2L), new long[] {7, 8}));
        assertThat(new SafetensorsTokenSource(Optional.of("eval")).read(InputFile.local(file)).ids())
                .as("the tensor asked for").containsExactly(7, 8);
        assertThat(new SafetensorsTokenSource(Optional.of("train")).read(InputFile.of(new LocalStorage(),
                file.toString())).ids()).as("positional reads through the Storage interface")
                .containsExactly(1, 2, 3, 4);
    }

    @Test
    void ambiguousOrWrongTensorsGiveOneLineErrors() {
        Path two = write(Tensor.ofLongs("train", List.of(4L), new long[] {1, 2, 3, 4}),
                Tensor.ofInts("eval", List.of(2L), new int[] {7, 8}));
        assertThatThrownBy(() -> new SafetensorsTokenSource().read(InputFile.local(two)))
                .as("two integer tensors and no name").hasMessageContaining("has 2 I32/I64 tensors [eval, train]")
                .hasMessageContaining("name the tensor");
        assertThatThrownBy(() -> new SafetensorsTokenSource(Optional.of("test")).read(InputFile.local(two)))
                .as("a missing tensor").hasMessageContaining("has no tensor test");
        Path floats = write(Tensor.ofFloats("ids", SafetensorsDtype.F32, List.of(2L), new float[] {1f, 2f}));
        assertThatThrownBy(() -> new SafetensorsTokenSource(Optional.of("ids")).read(InputFile.local(floats)))
                .as("float ids").hasMessageContaining("tensor ids has dtype F32, token ids must be I32 or I64");
        Path big = write(Tensor.ofLongs("ids", List.of(2L), new long[] {1, 1L << 40}));
        assertThatThrownBy(() -> new SafetensorsTokenSource().read(InputFile.local(big)))
                .as("an id beyond int").hasMessageContaining("holds 1099511627776 at index 1");
    }
}
