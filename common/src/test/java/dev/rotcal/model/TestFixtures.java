package dev.rotcal.model;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** The tiny Hugging Face checkpoints copied into src/test/resources/fixtures (see fixtures README upstream). */
public final class TestFixtures {
    public static final String TINY_LLAMA3 = "tiny-llama3";
    public static final String TINY_QWEN2 = "tiny-qwen2";

    private TestFixtures() {
    }

    /** The folder of fixture {@code name} on the test classpath. */
    public static Path dir(String name) {
        URL url = TestFixtures.class.getResource("/fixtures/" + name + "/config.json");
        if (url == null) {
            throw new IllegalStateException("[BUG] fixture " + name + " is not on the test classpath");
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("[BUG] fixture " + name + " has a bad URL " + url, e);
        }
    }
}
