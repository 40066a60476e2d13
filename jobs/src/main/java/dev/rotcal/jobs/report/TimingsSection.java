package dev.rotcal.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Wall seconds per stage and each stage's share: from the input's map, else {@code metrics.stage_seconds}
 * (what RunMetrics writes), else {@code metrics.seconds}.
 */
final class TimingsSection {
    static final String ID = "timings";

    private TimingsSection() {
    }

    static Section render(ReportInput in) {
        Map<String, Double> seconds = seconds(in);
        if (seconds.isEmpty()) {
            return new Section(ID, "Timings",
                    Html.absent("No timings: metrics.stage_seconds (or metrics.seconds) is absent."));
        }
        double total = seconds.values().stream().mapToDouble(Double::doubleValue).sum();
        HtmlTable table = HtmlTable.of("timings", List.of("stage", "seconds", "share"));
        seconds.forEach((stage, s) -> table.row(List.of(stage, Cells.number(s), share(s, total))));
        table.row(List.of("total", Cells.number(total), share(total, total)));
        return new Section(ID, "Timings", table.render());
    }

    static Map<String, Double> seconds(ReportInput in) {
        if (!in.stageSeconds().isEmpty()) {
            return in.stageSeconds();
        }
        JsonNode node = in.metrics().path("stage_seconds");
        if (!node.isObject() || node.isEmpty()) {
            node = in.metrics().path("seconds");
        }
        Map<String, Double> seconds = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> {
            if (e.getValue().isNumber()) {
                seconds.put(e.getKey(), e.getValue().doubleValue());
            }
        });
        return seconds;
    }

    private static String share(double s, double total) {
        return total > 0 ? String.format(Locale.ROOT, "%.1f %%", 100 * s / total) : Cells.NONE;
    }
}
