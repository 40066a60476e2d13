package dev.rotcal.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The refine loss curves: total, common and massive part per iteration for DFRot ({@code metrics.refine}) and,
 * when the run compared it, plain Procrustes ({@code metrics.refine_plain_procrustes}); each with its steps in a
 * collapsed table.
 */
final class RefineLossSection {
    static final String ID = "refine-loss";
    private static final List<String> PARTS = List.of("loss_total", "loss_common", "loss_massive");

    private RefineLossSection() {
    }

    static Section render(ReportInput in) {
        StringBuilder body = new StringBuilder();
        body.append(curve(in.metrics().path("refine"), "refine", "DFRot"));
        JsonNode plain = in.metrics().path("refine_plain_procrustes");
        if (!plain.isMissingNode()) {
            body.append(curve(plain, "refine_plain_procrustes", "Plain Procrustes"));
        }
        return new Section(ID, "Refine loss", body.toString());
    }

    private static String curve(JsonNode refine, String key, String name) {
        JsonNode steps = refine.path("steps");
        if (!steps.isArray() || steps.isEmpty()) {
            return Html.absent("No " + name + " loss curve: metrics." + key + ".steps is absent.");
        }
        StringBuilder out = new StringBuilder(Html.heading(name + " (α = " + Cells.of(refine.path("alpha")) + ")"));
        out.append(Html.paragraph(steps.size() + " iterations, monotone: " + Cells.of(refine.path("monotone"))
                + ", total loss " + Cells.of(steps.get(0).path("loss_total")) + " → "
                + Cells.of(refine.path("final").path("loss_total"))
                + " (total = common + α²·massive, the weighted objective)."));
        out.append(ChartImages.img(chart(steps, name), name + " refine loss per iteration"));
        out.append("<details><summary>Steps</summary>\n").append(table(steps, key)).append("</details>\n");
        return out.toString();
    }

    private static XYChart chart(JsonNode steps, String name) {
        double[] iterations = IntStream.range(0, steps.size())
                .mapToDouble(i -> steps.get(i).path("iteration").asDouble(i + 1)).toArray();
        List<double[]> series = new ArrayList<>();
        boolean positive = true;
        for (String part : PARTS) {
            double[] y = new double[steps.size()];
            for (int i = 0; i < y.length; i++) {
                y[i] = steps.get(i).path(part).asDouble(Double.NaN);
                positive &= y[i] > 0;
            }
            series.add(y);
        }
        XYChart chart = ChartImages.lines(name + " refine loss", "iteration", "loss" + (positive ? " (log)" : ""),
                positive);
        for (int p = 0; p < PARTS.size(); p++) {
            chart.addSeries(PARTS.get(p).substring("loss_".length()), iterations, series.get(p))
                    .setMarker(SeriesMarkers.CIRCLE);
        }
        return chart;
    }

    private static String table(JsonNode steps, String key) {
        HtmlTable table = HtmlTable.of("steps " + key, List.of("iteration", "total", "common", "massive",
                "mean error common", "mean error massive", "max |ΔR|", "seconds"));
        for (JsonNode s : steps) {
            table.row(List.of(Cells.of(s.path("iteration")), Cells.of(s.path("loss_total")),
                    Cells.of(s.path("loss_common")), Cells.of(s.path("loss_massive")),
                    Cells.of(s.path("mean_error_common")), Cells.of(s.path("mean_error_massive")),
                    Cells.of(s.path("max_delta_r")), Cells.of(s.path("seconds"))));
        }
        return table.render();
    }
}
