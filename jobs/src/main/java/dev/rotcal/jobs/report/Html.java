package dev.rotcal.jobs.report;

/** HTML text: escaping, and the one-line note a section shows when its data is absent. */
final class Html {
    private Html() {
    }

    /** Escapes text for element content and double-quoted attribute values. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** The line a section shows instead of its content, e.g. "No perplexity: evaluation.perplexity is absent." */
    static String absent(String what) {
        return "<p class=\"absent\">" + escape(what) + "</p>\n";
    }

    /** A paragraph of escaped text. */
    static String paragraph(String text) {
        return "<p>" + escape(text) + "</p>\n";
    }

    /** A sub-heading inside a section. */
    static String heading(String text) {
        return "<h3>" + escape(text) + "</h3>\n";
    }

    /** An inline chart; {@code dataUri} is a data:image/png;base64 URI. */
    static String image(String dataUri, String alt) {
        return "<img class=\"chart\" src=\"" + dataUri + "\" alt=\"" + escape(alt) + "\">\n";
    }
}
