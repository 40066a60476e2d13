package dev.rotcal.model.rotate;

import dev.rotcal.model.forward.DecoderShape;
import dev.rotcal.model.forward.LayerWeights;
import java.util.Random;

/** Seeded random decoder layers with q/k/v biases and non-unit gains (qwen2-like). */
final class RandomLayers {
    private RandomLayers() {
    }

    static LayerWeights layer(Random rng, DecoderShape s) {
        int d = s.hidden();
        int qw = s.qWidth();
        int kw = s.kvWidth();
        int ff = s.intermediate();
        double std = 1 / Math.sqrt(d);
        return new LayerWeights(gain(rng, d),
                gaussian(rng, qw * d, std), gaussian(rng, qw, 0.1),
                gaussian(rng, kw * d, std), gaussian(rng, kw, 0.1),
                gaussian(rng, kw * d, std), gaussian(rng, kw, 0.1),
                gaussian(rng, d * qw, 1 / Math.sqrt(qw)), gain(rng, d),
                gaussian(rng, ff * d, std), gaussian(rng, ff * d, std),
                gaussian(rng, d * ff, 1 / Math.sqrt(ff)));
    }

    static float[] gaussian(Random rng, int n, double std) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (std * rng.nextGaussian());
        }
        return x;
    }

    private static float[] gain(Random rng, int d) {
        float[] g = new float[d];
        for (int i = 0; i < d; i++) {
            g[i] = (float) (1 + 0.3 * rng.nextGaussian());
        }
        return g;
    }
}
