package dev.rotcal.model.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsReadRowsTest {
    @TempDir
    Path dir;

    @Test
    void gathersRowsEqualToTheFullTensorsRows() {
        int rows = 7;
        int cols = 5;
        float[] table = new float[rows * cols]; // (rows, cols)
        Random random = new Random(3);
        for (int i = 0; i < table.length; i++) {
            table[i] = (float) random.nextGaussian();
        }
        Path file = dir.resolve("emb.safetensors");
        for (SafetensorsDtype dtype : List.of(SafetensorsDtype.F32, SafetensorsDtype.F16, SafetensorsDtype.BF16)) {
            SafetensorsWriter.write(file, Map.of(), List.of(Tensor.ofFloats("emb", dtype, List.of((long) rows,
                    (long) cols), table)));
            try (SafetensorsFile st = SafetensorsFile.open(file)) {
                float[] all = st.readFloats("emb");
                int[] ids = {6, 0, 3, 3, 0};
                float[] got = st.readRows("emb", ids);
                for (int i = 0; i < ids.length; i++) {
                    assertThat(Arrays.copyOfRange(got, i * cols, (i + 1) * cols))
                            .as("%s row %d of the gather is row %d of the tensor", dtype, i, ids[i])
                            .containsExactly(Arrays.copyOfRange(all, ids[i] * cols, (ids[i] + 1) * cols));
                }
                assertThatThrownBy(() -> st.readRows("emb", new int[] {7}))
                        .as("a token id beyond the vocabulary names the row, tensor and file")
                        .hasMessageContaining("Cannot read row 7 of tensor emb from")
                        .hasMessageContaining("it has 7 rows");
            }
        }
    }

    @Test
    void readsARowRangeEqualToTheFullTensorsRows() {
        int rows = 9;
        int cols = 6;
        float[] table = new float[rows * cols]; // (rows, cols)
        Random random = new Random(5);
        for (int i = 0; i < table.length; i++) {
            table[i] = (float) random.nextGaussian();
        }
        Path file = dir.resolve("dump.safetensors");
        for (SafetensorsDtype dtype : List.of(SafetensorsDtype.F32, SafetensorsDtype.F16, SafetensorsDtype.BF16)) {
            SafetensorsWriter.write(file, Map.of(), List.of(
                    Tensor.ofFloats("a", dtype, List.of(2L, (long) cols), new float[2 * cols]),
                    Tensor.ofFloats("rows", dtype, List.of((long) rows, (long) cols), table)));
            try (SafetensorsFile st = SafetensorsFile.open(file)) {
                float[] all = st.readFloats("rows");
                for (int[] range : new int[][] {{0, rows}, {0, 1}, {3, 4}, {8, 1}, {5, 0}}) {
                    assertThat(st.readRowRange("rows", range[0], range[1]))
                            .as("%s rows [%d, %d) read at once are the tensor's rows", dtype, range[0],
                                    range[0] + range[1])
                            .containsExactly(Arrays.copyOfRange(all, range[0] * cols, (range[0] + range[1]) * cols));
                }
                assertThatThrownBy(() -> st.readRowRange("rows", 7, 3))
                        .as("a range beyond the tensor names the rows, tensor and file")
                        .hasMessageStartingWith("Cannot read rows [7, 10) of tensor rows from")
                        .hasMessageEndingWith("it has 9 rows");
            }
        }
    }

    @Test
    void readsAnIdRangeOfI32AndI64Tensors() {
        Path file = dir.resolve("ids.safetensors");
        SafetensorsWriter.write(file, Map.of(), List.of(
                Tensor.ofInts("i32", List.of(5L), new int[] {7, 1, 4, 0, 9}),
                Tensor.ofLongs("i64", List.of(5L), new long[] {3, 8, 2, 6, 1L << 40})));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.readIntRange("i32", 1, 3)).containsExactly(1, 4, 0);
            assertThat(st.readIntRange("i64", 0, 4)).containsExactly(3, 8, 2, 6);
            assertThatThrownBy(() -> st.readIntRange("i64", 3, 2)).as("an id beyond int32 is refused")
                    .hasMessageContaining("element 4 is 1099511627776");
        }
    }
}
