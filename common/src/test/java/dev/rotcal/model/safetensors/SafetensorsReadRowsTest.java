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
}
