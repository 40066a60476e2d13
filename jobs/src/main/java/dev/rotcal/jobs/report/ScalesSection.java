package dev.rotcal.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The quantization scales ({@code metrics.scales}): per layer and linear the relative weight error of every
 * method, the activation clip ratios, the KV-cache clip ratios and the FP4 format choice.
 */
final class ScalesSection {
    static final String ID = "scales";

    private ScalesSection() {
    }

    static Section render(ReportInput in) {
        JsonNode scales = in.metrics().path("scales");
        JsonNode layers = scales.path("layers");
        if (!layers.isArray() || layers.isEmpty()) {
            return new Section(ID, "Scales", Html.absent("No scales: metrics.scales.layers is absent."));
        }
        String body = Html.heading("Weights: relative error per method") + weights(scales)
                + Html.heading("Activation clip ratios") + activations(layers)
                + Html.heading("KV-cache clip ratios") + kv(layers)
                + Html.heading("FP4 format choice") + formats(layers);
        return new Section(ID, "Scales", body);
    }

    private static String weights(JsonNode scales) {
        List<String> methods = methods(scales);
        if (methods.isEmpty()) {
            return Html.absent("No weight scales: metrics.scales.layers[*].linears is absent.");
        }
        List<String> header = new ArrayList<>(List.of("layer", "linear"));
        header.addAll(methods);
        HtmlTable table = HtmlTable.of("scales weights", header);
        Map<String, TreeMap<Integer, double[]>> sums = new TreeMap<>(); // method -> layer -> {sum, count}
        for (JsonNode layer : scales.path("layers")) {
            int index = layer.path("layer").asInt();
            layer.path("linears").fields().forEachRemaining(linear -> {
                List<String> row = new ArrayList<>(List.of(Integer.toString(index), linear.getKey()));
                for (String method : methods) {
                    JsonNode result = linear.getValue().path(method);
                    row.add(methodCell(result));
                    if (result.path("relative_error").isNumber()) {
                        double[] sum = sums.computeIfAbsent(method, m -> new TreeMap<>())
                                .computeIfAbsent(index, l -> new double[2]);
                        sum[0] += result.path("relative_error").doubleValue();
                        sum[1]++;
                    }
                }
                table.row(row);
            });
        }
        XYChart chart = ChartImages.lines("Mean relative weight error per layer", "layer", "relative error", false);
        for (String method : methods) {
            TreeMap<Integer, double[]> perLayer = sums.get(method);
            if (perLayer != null) {
                chart.addSeries(method, perLayer.keySet().stream().mapToDouble(Integer::doubleValue).toArray(),
                        perLayer.values().stream().mapToDouble(s -> s[0] / s[1]).toArray())
                        .setMarker(SeriesMarkers.CIRCLE);
            }
        }
        String image = sums.isEmpty() ? "" : ChartImages.img(chart, "mean relative weight error per layer");
        return image + table.render();
    }

    /** The methods in {@code scales.methods} order, then any other method a linear reports. */
    private static List<String> methods(JsonNode scales) {
        Set<String> methods = new LinkedHashSet<>();
        scales.path("methods").forEach(m -> methods.add(m.asText()));
        for (JsonNode layer : scales.path("layers")) {
            layer.path("linears").forEach(linear -> linear.fieldNames().forEachRemaining(methods::add));
        }
        return List.copyOf(methods);
    }

    /**
     * "0.09 (output_error 0.01)": the relative error (or the chosen format / winner when the method has none), then
     * the method's other numbers and texts; nested breakdowns stay in metrics.json.
     */
    private static String methodCell(JsonNode result) {
        if (!result.isObject()) {
            return Cells.of(result);
        }
        String mainKey = result.has("relative_error") ? "relative_error" : result.has("winner") ? "winner" : "format";
        List<String> extras = new ArrayList<>();
        result.fields().forEachRemaining(f -> {
            if (!f.getKey().equals(mainKey) && f.getValue().isValueNode()) {
                extras.add(f.getKey() + " " + Cells.of(f.getValue()));
            }
        });
        String main = Cells.of(result.path(mainKey));
        return extras.isEmpty() ? main : main + " (" + String.join(", ", extras) + ")";
    }

    private static String activations(JsonNode layers) {
        List<String> fields = fields(stream(layers.elements())
                .flatMap(l -> stream(l.path("activations").elements())));
        if (fields.isEmpty()) {
            return Html.absent("No activation clip ratios: metrics.scales.layers[*].activations is absent.");
        }
        List<String> header = new ArrayList<>(List.of("layer", "site"));
        header.addAll(fields);
        HtmlTable table = HtmlTable.of("scales activations", header);
        for (JsonNode layer : layers) {
            layer.path("activations").fields().forEachRemaining(site -> {
                List<String> row = new ArrayList<>(List.of(Cells.of(layer.path("layer")), site.getKey()));
                fields.forEach(f -> row.add(Cells.of(site.getValue().path(f))));
                table.row(row);
            });
        }
        return table.render();
    }

    private static String kv(JsonNode layers) {
        List<String> fields = fields(stream(layers.elements()).map(l -> l.path("kv")));
        if (fields.isEmpty()) {
            return Html.absent("No KV-cache clip ratios: metrics.scales.layers[*].kv is absent.");
        }
        List<String> header = new ArrayList<>(List.of("layer"));
        header.addAll(fields);
        HtmlTable table = HtmlTable.of("scales kv", header);
        for (JsonNode layer : layers) {
            if (layer.path("kv").isObject()) {
                List<String> row = new ArrayList<>(List.of(Cells.of(layer.path("layer"))));
                fields.forEach(f -> row.add(Cells.of(layer.path("kv").path(f))));
                table.row(row);
            }
        }
        return table.render();
    }

    private static String formats(JsonNode layers) {
        List<String> formats = fields(stream(layers.elements()).map(l -> l.path("format_choice").path("errors")));
        if (stream(layers.elements()).noneMatch(l -> l.path("format_choice").isObject())) {
            return Html.absent("No format choice: metrics.scales.layers[*].format_choice is absent.");
        }
        List<String> header = new ArrayList<>(List.of("layer", "winner", "margin"));
        formats.forEach(f -> header.add("error " + f));
        HtmlTable table = HtmlTable.of("scales formats", header);
        for (JsonNode layer : layers) {
            JsonNode choice = layer.path("format_choice");
            if (choice.isObject()) {
                List<String> row = new ArrayList<>(List.of(Cells.of(layer.path("layer")),
                        Cells.of(choice.path("winner")), Cells.of(choice.path("margin"))));
                formats.forEach(f -> row.add(Cells.of(choice.path("errors").path(f))));
                table.row(row);
            }
        }
        return table.render();
    }

    /** The field names of these objects, in first-seen order. */
    private static List<String> fields(Stream<JsonNode> objects) {
        Set<String> fields = new LinkedHashSet<>();
        objects.filter(JsonNode::isObject).forEach(o -> o.fieldNames().forEachRemaining(fields::add));
        return List.copyOf(fields);
    }

    private static <T> Stream<T> stream(Iterator<T> iterator) {
        Iterable<T> iterable = () -> iterator;
        return StreamSupport.stream(iterable.spliterator(), false);
    }
}
