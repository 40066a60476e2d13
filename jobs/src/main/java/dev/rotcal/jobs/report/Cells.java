package dev.rotcal.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** Table cell text from JSON values: integers as they are, other numbers to four significant digits. */
final class Cells {
    /** What a cell shows when the value is absent. */
    static final String NONE = "—";

    private Cells() {
    }

    /** The cell for a JSON value: numbers formatted, text as is, arrays joined with ", ", absent as "—". */
    static String of(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return NONE;
        }
        if (node.isIntegralNumber()) {
            return node.asText();
        }
        if (node.isNumber()) {
            return number(node.doubleValue());
        }
        if (node.isArray()) {
            StringBuilder out = new StringBuilder();
            node.forEach(e -> out.append(out.length() == 0 ? "" : ", ").append(of(e)));
            return out.toString();
        }
        return node.isValueNode() ? node.asText() : node.toString();
    }

    /** Four significant digits; scientific notation outside [1e-3, 1e5). */
    static String number(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return Double.toString(x);
        }
        double abs = Math.abs(x);
        if (abs != 0 && (abs < 1e-3 || abs >= 1e5)) {
            return String.format(Locale.ROOT, "%.3e", x);
        }
        return new BigDecimal(x).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }
}
