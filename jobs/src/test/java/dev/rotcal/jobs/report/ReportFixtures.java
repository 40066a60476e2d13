package dev.rotcal.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The report inputs the tests render. "demo" is the demo run's real metrics.json and massive_tokens.json
 * (run-20261122-132428, before evaluation and scales existed); "full" adds synthetic evaluation, scales and
 * {@code seconds} sections, token texts that need escaping ({@code <s>}) and a token without text.
 */
final class ReportFixtures {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String RUN_ID = "run-20261122-132428";
    static final String MODEL = "rotcal-demo";

    private ReportFixtures() {
    }

    static ReportInput demo() {
        return ReportInput.of(RUN_ID, MODEL, tree("demo-metrics.json"), tree("demo-massive_tokens.json"),
                tree("demo-config.json"));
    }

    static ReportInput full() {
        return ReportInput.of(RUN_ID, MODEL, tree("full-metrics.json"), tree("full-massive_tokens.json"),
                tree("demo-config.json"));
    }

    static ReportInput withStageSeconds(ReportInput in, Map<String, Double> seconds) {
        return new ReportInput(in.runId(), in.modelName(), in.metrics(), in.massiveTokens(), in.config(), seconds);
    }

    static JsonNode tree(String name) {
        try (InputStream in = ReportFixtures.class.getResourceAsStream("/report/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no test resource /report/" + name);
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String html(ReportInput in) {
        return new String(RunReport.html(in), StandardCharsets.UTF_8);
    }

    /** The HTML of one section, from its opening tag to its closing tag. */
    static String section(String html, String id) {
        int start = html.indexOf("<section id=\"" + id + "\">");
        if (start < 0) {
            throw new AssertionError("no section '" + id + "' in the report");
        }
        return html.substring(start, html.indexOf("</section>", start) + "</section>".length());
    }
}
