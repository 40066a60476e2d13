package dev.rotcal.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The massive-token set from massive_tokens.json: one row per token with the layer it first appears in, where it
 * sits, its text when the tokenizer gave one, its magnitude and its channels.
 */
final class MassiveTokensSection {
    static final String ID = "massive-tokens";

    private MassiveTokensSection() {
    }

    static Section render(ReportInput in) {
        return new Section(ID, "Massive tokens", body(in.massiveTokens()));
    }

    private static String body(JsonNode massive) {
        JsonNode tokens = massive.path("tokens");
        if (!tokens.isArray()) {
            return Html.absent("No massive-token set: massive_tokens.json is absent.");
        }
        String rule = "Rule " + Cells.of(massive.path("rule")) + " (threshold " + Cells.of(massive.path("threshold"))
                + "): " + Cells.of(massive.path("massive_rows")) + " massive rows of "
                + Cells.of(massive.path("rows_scanned")) + " scanned, " + tokens.size() + " tokens.";
        if (tokens.isEmpty()) {
            return Html.absent("No massive tokens were found. " + rule);
        }
        HtmlTable table = HtmlTable.of("massive-tokens", List.of("layer", "sequence", "position", "token id", "token",
                "max |x|", "channels", "flagged rows"));
        for (JsonNode t : tokens) {
            table.row(List.of(Cells.of(t.has("first_layer") ? t.path("first_layer") : t.path("layer")),
                    Cells.of(t.path("sequence")), Cells.of(t.path("position")), Cells.of(t.path("token_id")),
                    text(t.path("token")), Cells.of(t.path("max_abs")), Cells.of(t.path("channels")),
                    Cells.of(t.path("flagged_rows"))));
        }
        return Html.paragraph(rule) + table.render();
    }

    /** The token's text as a JSON string literal, so whitespace and control characters show ("\n"). */
    private static String text(JsonNode token) {
        return token.isTextual() ? token.toString() : Cells.NONE;
    }
}
