package dev.rotcal.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** The headline: model, run id, rows, massive tokens, the refine loss from start to end and the 4-bit errors. */
final class SummarySection {
    static final String ID = "summary";

    private SummarySection() {
    }

    static Section render(ReportInput in) {
        JsonNode summary = in.metrics().path("summary");
        HtmlTable table = HtmlTable.of("summary", List.of("Quantity", "Value"))
                .row(List.of("Model", in.modelName()))
                .row(List.of("Run id", in.runId()))
                .row(List.of("Calibration rows", Cells.of(first(summary.path("rows"),
                        in.massiveTokens().path("rows_scanned")))))
                .row(List.of("Massive rows", Cells.of(first(summary.path("massive_rows"),
                        in.massiveTokens().path("massive_rows")))))
                .row(List.of("Massive tokens", massiveTokens(summary, in.massiveTokens())))
                .row(List.of("Refine loss (start → end)", loss(summary, in.metrics().path("refine"))))
                .row(List.of("4-bit error, common rows (random Hadamard → DFRot)",
                        arrow(summary.path("error_common_random_hadamard"), summary.path("error_common_dfrot"))))
                .row(List.of("4-bit error, massive rows (random Hadamard → DFRot)",
                        arrow(summary.path("error_massive_random_hadamard"), summary.path("error_massive_dfrot"))));
        JsonNode heldOut = in.metrics().path("evaluation").path("held_out_rows");
        if (heldOut.isObject()) {
            table.row(List.of("Held-out rows (common / massive)",
                    Cells.of(heldOut.path("common")) + " / " + Cells.of(heldOut.path("massive"))));
        }
        return new Section(ID, "Summary", table.render());
    }

    private static String massiveTokens(JsonNode summary, JsonNode massive) {
        if (summary.path("massive_tokens").isNumber()) {
            return Cells.of(summary.path("massive_tokens"));
        }
        return massive.path("tokens").isArray() ? Integer.toString(massive.path("tokens").size()) : Cells.NONE;
    }

    private static String loss(JsonNode summary, JsonNode refine) {
        JsonNode steps = refine.path("steps");
        JsonNode start = first(summary.path("loss_start"), steps.path(0).path("loss_total"));
        JsonNode end = first(summary.path("loss_end"), refine.path("final").path("loss_total"));
        String text = arrow(start, end);
        return steps.isArray() && steps.size() > 0 ? text + " over " + steps.size() + " iterations" : text;
    }

    private static String arrow(JsonNode from, JsonNode to) {
        return from.isMissingNode() && to.isMissingNode() ? Cells.NONE : Cells.of(from) + " → " + Cells.of(to);
    }

    private static JsonNode first(JsonNode preferred, JsonNode fallback) {
        return preferred.isMissingNode() || preferred.isNull() ? fallback : preferred;
    }
}
