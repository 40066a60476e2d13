package dev.rotcal.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.knowm.xchart.CategoryChart;

/**
 * Mean 4-bit activation error by class (common / massive rows) and rotation: over the calibration rows
 * ({@code metrics.errors}) and, when the run evaluated, over held-out rows per layer
 * ({@code metrics.evaluation.activation_error}).
 */
final class ErrorsSection {
    static final String ID = "errors";

    private ErrorsSection() {
    }

    static Section render(ReportInput in) {
        StringBuilder body = new StringBuilder(Html.heading("Calibration rows"));
        body.append(calibration(in.metrics().path("errors")));
        body.append(Html.heading("Held-out rows"));
        body.append(heldOut(in.metrics().path("evaluation")));
        return new Section(ID, "4-bit error by class and rotation", body.toString());
    }

    private static String calibration(JsonNode errors) {
        if (!errors.isObject() || errors.isEmpty()) {
            return Html.absent("No calibration-row errors: metrics.errors is absent.");
        }
        HtmlTable table = HtmlTable.of("errors calibration",
                List.of("rotation", "common (mean L2)", "massive (mean L2)", "common rows", "massive rows"));
        CategoryChart chart = ChartImages.bars("4-bit error of the calibration rows", "rotation", "mean L2 error");
        List<String> rotations = new ArrayList<>();
        List<Double> common = new ArrayList<>();
        List<Double> massive = new ArrayList<>();
        errors.fields().forEachRemaining(e -> {
            JsonNode r = e.getValue();
            table.row(List.of(e.getKey(), Cells.of(r.path("common_mean_l2")), Cells.of(r.path("massive_mean_l2")),
                    Cells.of(r.path("common_rows")), Cells.of(r.path("massive_rows"))));
            rotations.add(e.getKey());
            common.add(r.path("common_mean_l2").asDouble(0));
            massive.add(r.path("massive_mean_l2").asDouble(0));
        });
        chart.addSeries("common", rotations, common);
        chart.addSeries("massive", rotations, massive);
        return ChartImages.img(chart, "4-bit error of the calibration rows by rotation") + table.render();
    }

    private static String heldOut(JsonNode evaluation) {
        JsonNode errors = evaluation.path("activation_error");
        if (!errors.isObject() || errors.isEmpty()) {
            return Html.absent("No held-out evaluation: metrics.evaluation.activation_error is absent.");
        }
        StringBuilder out = new StringBuilder();
        JsonNode rows = evaluation.path("held_out_rows");
        if (rows.isObject()) {
            out.append(Html.paragraph("Held-out rows: " + Cells.of(rows.path("common")) + " common, "
                    + Cells.of(rows.path("massive")) + " massive."));
        }
        HtmlTable means = HtmlTable.of("errors held-out", List.of("rotation", "common", "massive"));
        errors.fields().forEachRemaining(e -> means.row(List.of(e.getKey(), Cells.of(e.getValue().path("common")),
                Cells.of(e.getValue().path("massive")))));
        out.append(means.render());
        out.append(perLayer(errors));
        return out.toString();
    }

    /** Per-layer bars for each class (mean over the layer's sites; massive weighted by its rows), then all rows. */
    private static String perLayer(JsonNode errors) {
        Map<String, Map<Integer, LayerMean>> byRotation = new LinkedHashMap<>();
        SortedSet<Integer> layers = new TreeSet<>();
        HtmlTable table = HtmlTable.of("errors layers",
                List.of("rotation", "layer", "site", "common", "massive", "massive rows"));
        errors.fields().forEachRemaining(e -> {
            for (JsonNode l : e.getValue().path("layers")) {
                table.row(List.of(e.getKey(), Cells.of(l.path("layer")), Cells.of(l.path("site")),
                        Cells.of(l.path("common")), Cells.of(l.path("massive")), Cells.of(l.path("massive_rows"))));
                layers.add(l.path("layer").asInt());
                byRotation.computeIfAbsent(e.getKey(), k -> new TreeMap<>())
                        .computeIfAbsent(l.path("layer").asInt(), k -> new LayerMean()).add(l);
            }
        });
        if (table.isEmpty()) {
            return Html.absent("No per-layer errors: activation_error.<rotation>.layers is absent.");
        }
        StringBuilder out = new StringBuilder();
        for (String cls : List.of("common", "massive")) {
            CategoryChart chart = ChartImages.bars("Held-out 4-bit error per layer, " + cls + " rows", "layer",
                    "mean L2 error");
            List<String> x = layers.stream().map(String::valueOf).toList();
            byRotation.forEach((rotation, means) -> chart.addSeries(rotation, x, layers.stream()
                    .map(l -> means.containsKey(l) ? means.get(l).mean(cls) : 0.0).toList()));
            out.append(ChartImages.img(chart, "held-out error per layer, " + cls + " rows"));
        }
        return out + "<details><summary>Every layer and site</summary>\n" + table.render() + "</details>\n";
    }

    /** A layer's errors over its sites: common averaged, massive averaged with the sites' massive rows as weights. */
    private static final class LayerMean {
        private double common;
        private int sites;
        private double massiveWeighted;
        private double massiveRows;
        private double massivePlain;

        void add(JsonNode site) {
            common += site.path("common").asDouble(0);
            massivePlain += site.path("massive").asDouble(0);
            double rows = site.path("massive_rows").asDouble(0);
            massiveWeighted += rows * site.path("massive").asDouble(0);
            massiveRows += rows;
            sites++;
        }

        double mean(String cls) {
            if (cls.equals("common")) {
                return common / sites;
            }
            return massiveRows > 0 ? massiveWeighted / massiveRows : massivePlain / sites;
        }
    }
}
