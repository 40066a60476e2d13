package dev.rotcal.demo;

import static dev.rotcal.Checks.checkArgument;

/**
 * Size and seed of the demo calibration corpus. Each split has at least its number of tokens and ends with
 * a paragraph break.
 */
public record DemoCorpusSpec(int calibrationTokens, int evaluationTokens, long seed) {

    public DemoCorpusSpec {
        checkArgument(calibrationTokens > 0 && evaluationTokens > 0 && calibrationTokens <= 1 << 28
                        && evaluationTokens <= 1 << 28, "Cannot generate a demo corpus of %d calibration and %d"
                        + " evaluation tokens: each must be in 1..%d", calibrationTokens, evaluationTokens, 1 << 28);
    }

    /** 262,144 calibration tokens (128 windows of 2048) and 65,536 evaluation tokens. */
    public static DemoCorpusSpec defaults() {
        return new DemoCorpusSpec(1 << 18, 1 << 16, DemoModelSpec.DEFAULT_SEED);
    }
}
