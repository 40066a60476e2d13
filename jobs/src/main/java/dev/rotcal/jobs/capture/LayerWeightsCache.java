package dev.rotcal.jobs.capture;

import dev.rotcal.model.ModelConfig;
import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerWeights;
import dev.rotcal.model.forward.NativeLayerWeights;
import dev.rotcal.model.safetensors.Checkpoint;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One executor JVM's copy of the decoder layer its tasks are running: the capture stage runs one layer per
 * Spark stage, so all concurrent tasks of a JVM share one read of that layer's tensors (straight from the
 * checkpoint URI) and one native copy of its projections. Leases are reference counted; a layer nobody
 * holds is dropped as soon as a task asks for another one, so a JVM holds about one layer's weights.
 * Also keeps one opened {@link Checkpoint} per model (header and shard index read once per JVM).
 */
public final class LayerWeightsCache {
    private static final Logger LOG = LoggerFactory.getLogger(LayerWeightsCache.class);

    private record Key(String modelUri, int layer) {
    }

    private static final class Entry {
        final NativeLayerWeights weights;
        int leases;

        Entry(NativeLayerWeights weights) {
            this.weights = weights;
        }
    }

    private static final Map<Key, Entry> LAYERS = new HashMap<>();
    private static final Map<String, Checkpoint> CHECKPOINTS = new HashMap<>();

    private LayerWeightsCache() {
    }

    /** A held layer: its native weights stay valid until {@link #close()}. */
    public static final class Lease implements AutoCloseable {
        private final Key key;
        private final Entry entry;
        private boolean closed;

        private Lease(Key key, Entry entry) {
            this.key = key;
            this.entry = entry;
        }

        public NativeLayerWeights weights() {
            return entry.weights;
        }

        @Override
        public void close() {
            synchronized (LayerWeightsCache.class) {
                if (!closed) {
                    closed = true;
                    entry.leases--;
                }
            }
        }

        @Override
        public String toString() {
            return "lease on layer " + key.layer + " of " + key.modelUri;
        }
    }

    /** Leases layer {@code layer} of the model, reading it from the checkpoint unless this JVM has it. */
    public static synchronized Lease acquire(ModelSource model, ModelConfig config, int layer) {
        Key key = new Key(model.uri(), layer);
        Entry entry = LAYERS.get(key);
        if (entry == null) {
            evictIdleExcept(key);
            long start = System.nanoTime();
            DecoderShape shape = DecoderShape.of(config);
            LayerWeights weights = LayerWeights.read(checkpoint(model), config, layer);
            entry = new Entry(NativeLayerWeights.copyOf(weights, shape));
            LAYERS.put(key, entry);
            LOG.info("Read layer {} of {} in {} ms", layer, model.uri(), (System.nanoTime() - start) / 1_000_000);
        }
        entry.leases++;
        return new Lease(key, entry);
    }

    /** Reads selected rows of a 2-D tensor of the model (the embedding rows of a block's tokens). */
    public static synchronized float[] readRows(ModelSource model, String tensor, int[] rowIds) {
        return checkpoint(model).readRows(tensor, rowIds);
    }

    /** Reads a whole tensor of the model as float32 (the evaluation's lm_head and final norm). */
    public static synchronized float[] readTensor(ModelSource model, String tensor) {
        return checkpoint(model).readFloats(tensor);
    }

    /**
     * Reads layer {@code layer}'s tensors as float32 through this JVM's opened checkpoint, without caching them (the
     * scales stage rotates them once per task).
     */
    public static synchronized LayerWeights readFloats(ModelSource model, ModelConfig config, int layer) {
        return LayerWeights.read(checkpoint(model), config, layer);
    }

    /**
     * One tensor of layer {@code layer} as float32 (null when the model has no such tensor, e.g. a bias), read through
     * this JVM's open checkpoint: for building a layer one projection at a time.
     */
    public static synchronized float[] readTensor(ModelSource model, ModelConfig config, int layer,
                                                  dev.rotcal.model.LayerTensor t) {
        dev.rotcal.model.TensorLayout layout = config.layout();
        return layout.has(t) ? checkpoint(model).readFloats(layout.layerTensorName(layer, t)) : null;
    }

    /**
     * Drops every layer no task holds and closes the checkpoints (end of the capture stage). Cheap when there is
     * nothing to drop, so the first tasks after the capture call it in every executor JVM they run in: Spark has no
     * way to run a task on each executor, and a JVM that keeps the last layer would hold its native copy (about
     * 0.9 GB for an 8B model) through scan and refine.
     */
    public static synchronized void clear() {
        int layers = LAYERS.size();
        evictIdleExcept(null);
        int released = layers - LAYERS.size();
        int checkpoints = 0;
        if (LAYERS.isEmpty()) {
            checkpoints = CHECKPOINTS.size();
            CHECKPOINTS.values().forEach(Checkpoint::close);
            CHECKPOINTS.clear();
        }
        if (released > 0 || checkpoints > 0) {
            LOG.info("Released {} cached layer(s) and closed {} checkpoint(s)", released, checkpoints);
        }
    }

    private static Checkpoint checkpoint(ModelSource model) {
        return CHECKPOINTS.computeIfAbsent(model.uri(), uri -> model.open());
    }

    private static void evictIdleExcept(Key keep) {
        for (Iterator<Map.Entry<Key, Entry>> it = LAYERS.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Entry> e = it.next();
            if (e.getValue().leases == 0 && !e.getKey().equals(keep)) {
                e.getValue().weights.close();
                it.remove();
            }
        }
    }
}
