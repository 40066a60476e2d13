package dev.rotcal.model.forward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.demo.DemoCorpus;
import dev.rotcal.demo.DemoCorpusSpec;
import dev.rotcal.demo.DemoModel;
import dev.rotcal.demo.DemoModelSpec;
import dev.rotcal.io.ByteSource;
import dev.rotcal.io.RecordingByteSource;
import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.safetensors.Checkpoint;
import dev.rotcal.model.safetensors.CheckpointDirectory;
import dev.rotcal.model.safetensors.LocalCheckpointDirectory;
import dev.rotcal.model.safetensors.TensorInfo;
import dev.rotcal.tokens.InputFile;
import dev.rotcal.tokens.NpyTokenSource;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layer-by-layer execution (one layer's tensors read, run, released at a time) against one whole-model pass
 * over {@link ModelWeights}: identical captures, residuals and logits; and what it holds in memory on the
 * demo model: one layer's projections natively (JavaCPP's tracked bytes), and on the heap one layer's tensors
 * while they are read plus the block, rather than the model's weights.
 */
class LayerByLayerForwardTest {
    private static final int SEQ_LEN = 256;

    @TempDir
    static Path tmp;
    static Path demo;
    static int[] corpus;     // demo calibration token ids

    @BeforeAll
    static void writeDemoModel() {
        demo = tmp.resolve("demo");
        DemoModelSpec spec = DemoModelSpec.defaults();
        DemoModel.write(demo, spec);
        DemoCorpus.write(demo, spec, new DemoCorpusSpec(8 * SEQ_LEN, SEQ_LEN, 5));
        corpus = new NpyTokenSource().read(InputFile.local(demo.resolve(DemoCorpus.CALIBRATION_NPY))).ids();
    }

    @Test
    void demoModelLayerByLayerEqualsTheWholeModelPass() {
        sameAsWholeModel(demo, Arrays.copyOf(corpus, 2 * SEQ_LEN), SEQ_LEN);
    }

    @Test
    void tiedQwen2LayerByLayerEqualsTheWholeModelPass() {
        TinyCheckpoint tiny = TinyCheckpoint.create(TinyCheckpoint.qwen2Tied());
        Path dir = tiny.write(tmp.resolve("qwen2"));
        int[] tokens = new int[3 * 16];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = (i * 7 + 3) % tiny.spec.vocab();
        }
        sameAsWholeModel(dir, tokens, 16);
    }

    private static void sameAsWholeModel(Path dir, int[] tokens, int seqLen) {
        ModelConfig config = ModelConfig.read(dir.resolve(ModelConfig.FILE_NAME));
        List<LayerCaptures> byLayer = new ArrayList<>();
        List<float[]> byLayerResiduals = new ArrayList<>();
        float[] byLayerLogits;
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            LayerByLayerForward forward = new LayerByLayerForward(checkpoint, config);
            float[] hidden = forward.runLayers(tokens, seqLen, CaptureSwitches.ALL, (l, h, c) -> {
                byLayer.add(c);
                byLayerResiduals.add(h.clone());
            });
            try (OutputHead head = forward.readOutputHead()) {
                byLayerLogits = head.logits(hidden, tokens.length);
            }
        }

        List<LayerCaptures> whole = new ArrayList<>();
        List<float[]> wholeResiduals = new ArrayList<>();
        float[] wholeLogits;
        ModelWeights weights;
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            weights = ModelWeights.read(checkpoint, config);
        }
        try (ModelForward model = ModelForward.of(config, weights)) {
            float[] hidden = model.runLayers(tokens, seqLen, CaptureSwitches.ALL, (l, h, c) -> {
                whole.add(c);
                wholeResiduals.add(h.clone());
            });
            wholeLogits = model.head().logits(hidden, tokens.length);
        }

        assertThat(byLayer).as("%s: one capture per layer", dir).hasSize(config.numHiddenLayers());
        for (int l = 0; l < whole.size(); l++) {
            LayerCaptures a = byLayer.get(l);
            LayerCaptures b = whole.get(l);
            String at = dir.getFileName() + " layer " + l + ": ";
            same(at + "attn_in", a.attentionInput(), b.attentionInput());
            same(at + "mlp_in", a.mlpInput(), b.mlpInput());
            same(at + "attn_in rms", a.attentionInputRms(), b.attentionInputRms());
            same(at + "mlp_in rms", a.mlpInputRms(), b.mlpInputRms());
            same(at + "attention output", a.attentionOutput(), b.attentionOutput());
            same(at + "down_proj input", a.downProjInput(), b.downProjInput());
            same(at + "K after RoPE", a.keys(), b.keys());
            same(at + "V", a.values(), b.values());
            same(at + "residual", byLayerResiduals.get(l), wholeResiduals.get(l));
        }
        same(dir.getFileName() + " logits", byLayerLogits, wholeLogits);
    }

    /** Bit-identical blocks; on a difference, says where and how large (AssertJ's diff of 10⁵ floats is slow). */
    private static void same(String what, float[] actual, float[] expected) {
        assertThat(actual).as("%s is captured", what).isNotNull().hasSize(expected.length);
        int differing = 0;
        int first = -1;
        double maxDiff = 0;
        for (int i = 0; i < actual.length; i++) {
            if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(expected[i])) {
                differing++;
                first = first < 0 ? i : first;
                maxDiff = Math.max(maxDiff, Math.abs((double) actual[i] - expected[i]));
            }
        }
        assertThat(differing).as("%s: %d of %d values differ (first at %d, max |diff| %.3e)", what, differing,
                actual.length, first, maxDiff).isZero();
    }

    /**
     * On the demo model with a block of 4 × 256 tokens, layer by layer: JavaCPP tracks exactly one layer's
     * projections while a layer runs (asserted within ×0.9..×1.1); each step reads exactly that layer's bytes
     * from the file (the first also the block's distinct embedding rows, not the table); the heap, sampled after
     * a full GC at every tensor read and after every layer, peaks at about one layer's float32 tensors plus the block
     * (asserted below half the model's float32 weights, and below one layer plus 8 blocks), while the
     * whole-model pass retains every layer (asserted ≥ 0.9 × the model: the probe sees weights).
     */
    @Test
    void holdsOneLayerAndTheBlockNotTheModel() {
        ModelConfig config = ModelConfig.read(demo.resolve(ModelConfig.FILE_NAME));
        int[] tokens = Arrays.copyOf(corpus, 4 * SEQ_LEN);
        long d = config.hiddenSize();
        long oneLayerProjections = Float.BYTES * (2 * d * config.queryDim() + 2 * d * config.kvDim()
                + 3 * d * config.intermediateSize());
        long blockBytes = (long) tokens.length * d * Float.BYTES;
        long[] expectedReads = new long[config.numHiddenLayers()];   // file bytes of each layer's tensors
        long modelFloatBytes = 0;
        long oneLayerFloatBytes = 0;

        long nativeBase = Pointer.totalBytes();
        long heapBase = heapAfterGc();
        long[] peakNative = {0};
        long[] peakHeap = {0};
        long[] heapAtLayerEnd = {0};
        long[] readPerLayer = new long[config.numHiddenLayers()];
        RecordingDirectory dir = new RecordingDirectory(demo,
                bytes -> {
                    if (bytes > 64 << 10) {   // tensor reads, not the embedding rows
                        peakHeap[0] = Math.max(peakHeap[0], heapAfterGc() - heapBase);
                    }
                });
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            for (TensorInfo info : checkpoint.infos().values()) {
                modelFloatBytes += info.numel() * Float.BYTES;
                for (int l = 0; l < expectedReads.length; l++) {
                    if (info.name().startsWith(config.layout().layerPrefix(l))) {
                        expectedReads[l] += info.byteSize();
                        oneLayerFloatBytes += l == 0 ? info.numel() * Float.BYTES : 0;
                    }
                }
            }
            int embeddingRowBytes = Math.toIntExact(d * checkpoint.info(config.layout().embedTokens()).dtype()
                    .byteSize());
            expectedReads[0] += Arrays.stream(tokens).distinct().count() * embeddingRowBytes;
            LayerByLayerForward forward = new LayerByLayerForward(checkpoint, config);
            long[] readBefore = {dir.bytesRead()};
            forward.runLayers(tokens, SEQ_LEN, CaptureSwitches.NORM_ROWS, (l, h, c) -> {
                peakNative[0] = Math.max(peakNative[0], Pointer.totalBytes() - nativeBase);
                heapAtLayerEnd[0] = Math.max(heapAtLayerEnd[0], heapAfterGc() - heapBase);
                readPerLayer[l] = dir.bytesRead() - readBefore[0];
                readBefore[0] = dir.bytesRead();
            });
        }
        long peakLayerByLayer = Math.max(peakHeap[0], heapAtLayerEnd[0]);

        long wholeBase = heapAfterGc();
        long[] wholePeakHeap = {0};
        ModelWeights weights;
        try (Checkpoint checkpoint = Checkpoint.open(demo)) {
            weights = ModelWeights.read(checkpoint, config);
        }
        try (ModelForward model = ModelForward.of(config, weights)) {
            model.runLayers(tokens, SEQ_LEN, CaptureSwitches.NORM_ROWS,
                    (l, h, c) -> wholePeakHeap[0] = Math.max(wholePeakHeap[0], heapAfterGc() - wholeBase));
        }

        System.out.printf("demo model: %d layers; weights as float32 %,d bytes (file %,d); one layer as float32"
                        + " %,d, its projections %,d; block %d tokens × %d = %,d bytes%n",
                config.numHiddenLayers(), modelFloatBytes, dir.size(), oneLayerFloatBytes, oneLayerProjections,
                tokens.length, d, blockBytes);
        System.out.printf("layer by layer: native (JavaCPP tracked) while a layer runs %,d bytes = %.3f × one"
                        + " layer's projections; heap peak (after GC, while reading) %,d bytes = %.2f × one layer"
                        + " + block, at the end of a layer %,d bytes; file bytes read per layer %s%n",
                peakNative[0], (double) peakNative[0] / oneLayerProjections, peakLayerByLayer,
                (double) peakLayerByLayer / (oneLayerFloatBytes + blockBytes), heapAtLayerEnd[0],
                Arrays.toString(readPerLayer));
        System.out.printf("whole model:    heap retained at a layer (after GC) %,d bytes = %.2f × the model's"
                + " float32 weights%n", wholePeakHeap[0], (double) wholePeakHeap[0] / modelFloatBytes);

        assertThat(peakNative[0]).as("native memory while a layer runs: one layer's projections (%,d bytes)",
                oneLayerProjections).isLessThanOrEqualTo(oneLayerProjections * 11 / 10)
                .isGreaterThanOrEqualTo(oneLayerProjections * 9 / 10);
        assertThat(readPerLayer).as("each layer step reads exactly that layer's tensors (layer 0: and the block's"
                + " embedding rows)").containsExactly(expectedReads);
        assertThat(peakLayerByLayer).as("heap: one layer (%,d bytes) and the block (%,d bytes), not the model (%,d)",
                oneLayerFloatBytes, blockBytes, modelFloatBytes)
                .isLessThan(modelFloatBytes / 2)
                .isLessThan(oneLayerFloatBytes + 8 * blockBytes);
        assertThat(wholePeakHeap[0]).as("the whole-model pass keeps every layer on the heap (the probe sees it)")
                .isGreaterThan(modelFloatBytes * 9 / 10);
    }

    /** Heap in use after a full collection (System.gc() is a synchronous full GC on HotSpot's collectors). */
    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** A local checkpoint folder whose opened files record the bytes read from them. */
    private static final class RecordingDirectory implements CheckpointDirectory {
        private final LocalCheckpointDirectory local;
        private final List<RecordingByteSource> opened = new ArrayList<>();
        private final LongConsumer beforeEachRead;

        RecordingDirectory(Path dir, LongConsumer beforeEachRead) {
            this.local = new LocalCheckpointDirectory(dir);
            this.beforeEachRead = beforeEachRead;
        }

        long bytesRead() {
            return opened.stream().mapToLong(RecordingByteSource::bytesRead).sum();
        }

        long size() {
            return opened.stream().mapToLong(RecordingByteSource::size).sum();
        }

        @Override
        public String location() {
            return local.location();
        }

        @Override
        public boolean exists(String name) {
            return local.exists(name);
        }

        @Override
        public ByteSource open(String name) throws IOException {
            RecordingByteSource source = new RecordingByteSource(local.open(name)).beforeEachRead(beforeEachRead);
            opened.add(source);
            return source;
        }
    }
}
