package dev.rotcal.jobs.report;

import java.util.ArrayList;
import java.util.List;

/** A table built row by row; cells are plain text and escaped when rendered. */
final class HtmlTable {
    private final String cssClass;
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    private HtmlTable(String cssClass, List<String> header) {
        this.cssClass = cssClass;
        this.header = List.copyOf(header);
    }

    /** A table with these column headings; {@code cssClass} names it for tests and styles. */
    static HtmlTable of(String cssClass, List<String> header) {
        return new HtmlTable(cssClass, header);
    }

    /** Appends a row; it must have one cell per column. */
    HtmlTable row(List<String> cells) {
        if (cells.size() != header.size()) {
            throw new IllegalStateException("[BUG] row of " + cells.size() + " cells in a table of "
                    + header.size() + " columns (" + cssClass + ")");
        }
        rows.add(List.copyOf(cells));
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    String render() {
        StringBuilder out = new StringBuilder();
        out.append("<table class=\"").append(Html.escape(cssClass)).append("\">\n<thead><tr>");
        header.forEach(h -> out.append("<th>").append(Html.escape(h)).append("</th>"));
        out.append("</tr></thead>\n<tbody>\n");
        for (List<String> row : rows) {
            out.append("<tr>");
            row.forEach(c -> out.append("<td>").append(Html.escape(c)).append("</td>"));
            out.append("</tr>\n");
        }
        return out.append("</tbody>\n</table>\n").toString();
    }
}
