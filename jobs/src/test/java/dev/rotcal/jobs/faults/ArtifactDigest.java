package dev.rotcal.jobs.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotcal.artifact.ArtifactLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What makes two published runs "the same artifact" for the fault suite: the bytes of every layer file, the
 * rotation and the massive-token set, and metrics.json without what a fault may change (timings, memory
 * readings). The manifest and the report are left out: they hold times and the output URI.
 *
 * @param published whether the run is visible (manifest.json and _SUCCESS)
 * @param digests   relative path → SHA-256 of the compared files (metrics.json normalized first)
 */
record ArtifactDigest(boolean published, Map<String, String> digests, JsonNode metrics) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The digest of the run folder {@code run} (a local folder, or s3proxy's file for the run's prefix). */
    static ArtifactDigest of(Path run) {
        boolean published = Files.isRegularFile(run.resolve(ArtifactLayout.MANIFEST))
                && Files.exists(run.resolve(ArtifactLayout.SUCCESS));
        Map<String, String> digests = new TreeMap<>();
        if (!Files.isDirectory(run)) {
            return new ArtifactDigest(false, digests, null);
        }
        try {
            Path layers = run.resolve(ArtifactLayout.LAYERS_DIR);
            if (Files.isDirectory(layers)) {
                try (Stream<Path> files = Files.list(layers)) {
                    for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                        digests.put(ArtifactLayout.LAYERS_DIR + "/" + file.getFileName(), sha256(Files.readAllBytes(file)));
                    }
                }
            }
            for (String name : List.of(ArtifactLayout.ROTATION, ArtifactLayout.MASSIVE_TOKENS)) {
                Path file = run.resolve(name);
                if (Files.isRegularFile(file)) {
                    digests.put(name, sha256(Files.readAllBytes(file)));
                }
            }
            Path metrics = run.resolve(ArtifactLayout.METRICS);
            JsonNode tree = null;
            if (Files.isRegularFile(metrics)) {
                tree = JSON.readTree(metrics.toFile());
                withoutTimings(tree);
                digests.put(ArtifactLayout.METRICS + " (no timings)", sha256(JSON.writeValueAsBytes(tree)));
            }
            return new ArtifactDigest(published, digests, tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The compared files that differ from {@code baseline}'s (missing or extra ones included). */
    List<String> differencesFrom(ArtifactDigest baseline) {
        List<String> differing = new ArrayList<>();
        for (String path : baseline.digests.keySet()) {
            if (!baseline.digests.get(path).equals(digests.get(path))) {
                differing.add(path);
            }
        }
        digests.keySet().stream().filter(p -> !baseline.digests.containsKey(p)).forEach(differing::add);
        if (metrics != null && baseline.metrics != null && !metrics.equals(baseline.metrics)) {
            List<String> paths = new ArrayList<>();
            differingLeaves("", baseline.metrics, metrics, paths);
            differing.add("metrics " + paths.subList(0, Math.min(4, paths.size())) + (paths.size() > 4 ? " and "
                    + (paths.size() - 4) + " more" : ""));
        }
        return differing;
    }

    /** JSON paths where two trees differ, with both values. */
    private static void differingLeaves(String path, JsonNode a, JsonNode b, List<String> out) {
        if (a != null && b != null && a.isContainerNode() && b.isContainerNode() && a.size() == b.size()) {
            if (a.isObject()) {
                a.fieldNames().forEachRemaining(f -> differingLeaves(path + "/" + f, a.get(f), b.get(f), out));
            } else {
                for (int i = 0; i < a.size(); i++) {
                    differingLeaves(path + "[" + i + "]", a.get(i), b.get(i), out);
                }
            }
        } else if (a == null ? b != null : !a.equals(b)) {
            out.add(path + ": " + a + " vs " + b);
        }
    }

    /** Removes timings and memory readings, which differ between any two runs, at any depth. */
    private static void withoutTimings(JsonNode node) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String name = field.getKey();
                if (name.equals("seconds") || name.endsWith("_seconds") || name.equals("stage_memory")) {
                    fields.remove();
                } else {
                    withoutTimings(field.getValue());
                }
            }
        } else if (node != null && node.isArray()) {
            node.forEach(ArtifactDigest::withoutTimings);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
