package dev.rotcal.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Perplexity of each evaluated configuration ({@code metrics.evaluation.perplexity}). */
final class PerplexitySection {
    static final String ID = "perplexity";
    private static final List<String> COLUMNS = List.of("name", "rotation", "weights", "activations", "kv",
            "perplexity", "nll", "tokens", "perplexity_vs_float", "kl_to_float");

    private PerplexitySection() {
    }

    static Section render(ReportInput in) {
        JsonNode runs = in.metrics().path("evaluation").path("perplexity");
        if (!runs.isArray() || runs.isEmpty()) {
            return new Section(ID, "Perplexity",
                    Html.absent("No perplexity: metrics.evaluation.perplexity is absent."));
        }
        HtmlTable table = HtmlTable.of("perplexity", COLUMNS);
        for (JsonNode run : runs) {
            table.row(COLUMNS.stream().map(c -> Cells.of(run.path(c))).toList());
        }
        return new Section(ID, "Perplexity", table.render() + Html.paragraph("perplexity: exp(mean next-token NLL) of"
                + " the held-out tokens; perplexity_vs_float: exp(mean cross-entropy against the float model's"
                + " next-token distribution); kl_to_float: mean KL(float ‖ variant) per token."));
    }
}
