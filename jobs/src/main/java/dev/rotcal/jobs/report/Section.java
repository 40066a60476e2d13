package dev.rotcal.jobs.report;

/**
 * One section of report.html.
 *
 * @param id    the element id, stable so that links and tests can find it (e.g. {@code refine-loss})
 * @param title the heading
 * @param body  the HTML inside the section, already escaped
 */
record Section(String id, String title, String body) {

    String render() {
        return "<section id=\"" + id + "\">\n<h2>" + Html.escape(title) + "</h2>\n" + body + "</section>\n";
    }
}
