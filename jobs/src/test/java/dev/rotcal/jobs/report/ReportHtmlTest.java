package dev.rotcal.jobs.report;

import static dev.rotcal.jobs.report.ReportFixtures.html;
import static dev.rotcal.jobs.report.ReportFixtures.section;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The report's HTML as text: sections, table values, escaping, inline images and nothing external. */
class ReportHtmlTest {
    private static final Pattern IMG_SRC = Pattern.compile("<img[^>]* src=\"([^\"]*)\"");

    @Test
    void theDemoRunHasEverySectionAndSaysWhichDataIsAbsent() {
        String html = html(ReportFixtures.demo());

        for (String id : RunReport.SECTION_IDS) {
            assertThat(html).as("section %s should be on the page even without data", id)
                    .contains("<section id=\"" + id + "\">");
        }
        assertThat(section(html, "summary")).contains("rotcal-demo", "run-20261122-132428", "49152", "126",
                "<td>21</td>", "3.330e+06 → 8.489e+05 over 30 iterations", "2.852 → 1.738", "1.494 → 0.7326");
        assertThat(section(html, "perplexity")).as("a demo run before evaluation has no perplexity")
                .contains("class=\"absent\"", "metrics.evaluation.perplexity is absent");
        assertThat(section(html, "scales")).contains("class=\"absent\"", "metrics.scales.layers is absent");
        assertThat(section(html, "errors")).contains("<td>plain_procrustes</td><td>1.678</td><td>1.106</td>",
                "metrics.evaluation.activation_error is absent");
        assertThat(section(html, "timings")).as("RunMetrics writes stage_seconds")
                .contains("<td>refine</td><td>126.7</td><td>86.9 %</td>", "<td>total</td><td>145.8</td>");
    }

    @Test
    void theMassiveTokenTableListsEveryToken() {
        String table = section(html(ReportFixtures.demo()), "massive-tokens");

        assertThat(table).contains("Rule nr-error (threshold 3.005): 126 massive rows of 49152 scanned, 21 tokens.",
                "<tr><td>3</td><td>0</td><td>0</td><td>10</td><td>&quot;makour&quot;</td><td>19.42</td>"
                        + "<td>180, 173</td><td>6</td></tr>",
                "<td>&quot;\\n&quot;</td>");
        assertThat(table.split("<tr>")).as("header + 21 token rows").hasSize(1 + 1 + 21);
    }

    @Test
    void theNewMetricsSectionsAreRendered() {
        String html = html(ReportFixtures.full());

        assertThat(section(html, "perplexity")).doesNotContain("class=\"absent\"").contains(
                "<tr><td>dfrot_gptq</td><td>dfrot</td><td>gptq</td><td>int4</td><td>int4</td><td>13.97</td>"
                        + "<td>2.637</td><td>4096</td><td>—</td><td>—</td></tr>",
                "<td>float</td><td>none</td><td>float</td>");
        String scales = section(html, "scales");
        assertThat(scales).doesNotContain("class=\"absent\"").contains(
                "<th>rtn</th><th>gptq</th><th>nvfp4</th><th>mxfp4</th><th>llm_fp4</th>",
                "<tr><td>0</td><td>q_proj</td><td>0.08</td><td>0.072 (output_error 0.0096)</td><td>0.088</td>"
                        + "<td>0.096</td><td>0.084 (format E1M2)</td></tr>",
                "<tr><td>1</td><td>attn_in</td><td>0.9</td><td>1.2</td><td>1.3</td></tr>",
                "<th>k_clip_ratio</th><th>v_clip_ratio</th><th>k_error</th><th>v_error</th>",
                "<tr><td>3</td><td>E2M1</td><td>0.03</td><td>0.2</td><td>0.15</td><td>0.18</td><td>0.3</td></tr>");
        String errors = section(html, "errors");
        assertThat(errors).contains("Held-out rows: 12000 common, 30 massive.",
                "<tr><td>dfrot</td><td>1.74</td><td>0.73</td></tr>", "<td>random_orthogonal</td>");
        assertThat(section(html, "summary")).contains("Held-out rows (common / massive)", "12000 / 30");
        assertThat(section(html, "timings")).as("the metrics' seconds when stage_seconds is absent")
                .contains("<td>evaluate</td><td>25</td>", "<td>scales</td><td>20</td>", "<td>total</td><td>159.2</td>");
    }

    @Test
    void stageSecondsGivenByTheCallerWin() {
        Map<String, Double> seconds = new LinkedHashMap<>();
        seconds.put("capture", 3.0);
        seconds.put("refine", 1.0);
        String timings = section(html(ReportFixtures.withStageSeconds(ReportFixtures.full(), seconds)), "timings");

        assertThat(timings).contains("<td>capture</td><td>3</td><td>75.0 %</td>", "<td>total</td><td>4</td>")
                .doesNotContain("evaluate");
    }

    @Test
    void tokenTextAndConfigValuesAreEscaped() {
        ReportInput full = ReportFixtures.full();
        ObjectNode config = full.config().deepCopy();
        ((ObjectNode) config.path("rotcal").path("model")).put("name", "</pre><script>alert('x')</script>");
        String html = html(new ReportInput(full.runId(), "m<b>", full.metrics(), full.massiveTokens(), config,
                full.stageSeconds()));

        assertThat(section(html, "massive-tokens")).contains("<td>&quot;&lt;s&gt;&quot;</td>",
                        "<td>&quot;a&amp;b \\&quot;q\\&quot; &lt;/td&gt;&quot;</td>",
                        "<td>—</td>")
                .doesNotContain("\"<s>\"");
        assertThat(section(html, "config")).contains(
                "&lt;/pre&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;").doesNotContain("<script>");
        assertThat(html).contains("<title>rotcal report: m&lt;b&gt; / run-20261122-132428</title>")
                .doesNotContain("m<b>");
        assertThat(html.split("<script>", -1)).as("exactly one script: the report's own onload").hasSize(2);
    }

    @Test
    void everyImageIsAnInlinePngAndNothingIsFetched() throws IOException {
        String html = html(ReportFixtures.full());

        List<String> sources = sources(html);
        assertThat(sources).as("loss ×2, calibration errors, held-out per layer ×2, weight errors").hasSize(6);
        for (String src : sources) {
            assertThat(src).startsWith("data:image/png;base64,");
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(
                    Base64.getDecoder().decode(src.substring("data:image/png;base64,".length()))));
            assertThat(png).as("the data URI should decode to a PNG").isNotNull();
            assertThat(png.getWidth()).isEqualTo(ChartImages.WIDTH);
            assertThat(png.getHeight()).isEqualTo(ChartImages.HEIGHT);
        }
        assertThat(html).doesNotContain("<link", "@import", "url(", "<iframe", "http://", "https://")
                .contains("Content-Security-Policy\" content=\"default-src 'none'; img-src data:;");
        assertThat(Pattern.compile("href=\"([^\"]*)\"").matcher(html).results().map(m -> m.group(1)))
                .as("only links within the page").allMatch(h -> h.startsWith("#"));
        assertThat(sources(html(ReportFixtures.demo()))).as("loss ×2 and calibration errors").hasSize(3);
    }

    @Test
    void aRunWithoutMetricsStillGetsEverySectionWithOneLineEach() {
        String html = html(new ReportInput("run-x", "model-x", null, null, null, null));

        for (String id : RunReport.SECTION_IDS) {
            String section = section(html, id);
            if (!id.equals("summary")) {
                assertThat(section).as("section %s should say its data is absent", id).contains("class=\"absent\"");
            }
        }
        assertThat(section(html, "summary")).contains("model-x", "run-x");
        assertThat(sources(html)).isEmpty();
    }

    private static List<String> sources(String html) {
        List<String> sources = new ArrayList<>();
        Matcher m = IMG_SRC.matcher(html);
        while (m.find()) {
            sources.add(m.group(1));
        }
        return sources;
    }
}
