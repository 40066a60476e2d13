package dev.rotcal.jobs.report;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/**
 * report.html of a calibration run: one self-contained page (charts inlined as PNG data URIs, styles and the
 * one script inline, nothing fetched) that a browser opens from the artifact without a server.
 *
 * <p>Sections, each an element with a stable id: {@code summary}, {@code refine-loss}, {@code errors},
 * {@code massive-tokens}, {@code perplexity}, {@code scales}, {@code config}, {@code timings}. A section whose
 * data the run did not record says so in one line. A Content-Security-Policy forbids every external load, and
 * on load a short script records on {@code <body>} how many images decoded ({@code data-images-loaded} of
 * {@code data-images-total}) and which sections exist ({@code data-sections}), so a headless browser can check
 * the page.
 */
public final class RunReport {
    /** The report's name in the artifact, next to metrics.json. */
    public static final String FILE_NAME = "report.html";

    /** The sections in page order. */
    static final List<Function<ReportInput, Section>> SECTIONS = List.of(SummarySection::render,
            RefineLossSection::render, ErrorsSection::render, MassiveTokensSection::render,
            PerplexitySection::render, ScalesSection::render, ConfigSection::render, TimingsSection::render);

    /** The ids of the sections, in page order. */
    public static final List<String> SECTION_IDS = List.of(SummarySection.ID, RefineLossSection.ID,
            ErrorsSection.ID, MassiveTokensSection.ID, PerplexitySection.ID, ScalesSection.ID, ConfigSection.ID,
            TimingsSection.ID);

    private static final String CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
            + "script-src 'unsafe-inline'";

    private RunReport() {
    }

    /** The report as UTF-8 HTML. */
    public static byte[] html(ReportInput in) {
        List<Section> sections = SECTIONS.stream().map(s -> s.apply(in)).toList();
        String title = "rotcal report: " + in.modelName() + " / " + in.runId();
        StringBuilder out = new StringBuilder(64 * 1024);
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(CSP).append("\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(Html.escape(title)).append("</title>\n")
                .append("<style>\n").append(ReportPage.STYLE).append("</style>\n</head>\n<body>\n<header>\n<h1>")
                .append(Html.escape(title)).append("</h1>\n<nav>");
        sections.forEach(s -> out.append("<a href=\"#").append(s.id()).append("\">").append(Html.escape(s.title()))
                .append("</a> "));
        out.append("</nav>\n</header>\n<main>\n");
        sections.forEach(s -> out.append(s.render()));
        out.append("</main>\n<script>\n").append(ReportPage.ONLOAD).append("</script>\n</body>\n</html>\n");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }
}
