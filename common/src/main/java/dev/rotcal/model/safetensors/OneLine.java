package dev.rotcal.model.safetensors;

/**
 * Keeps an error message on one line: line breaks and other control characters that a file can smuggle in
 * (a tensor name "a\nb" in a header, a multi-line message of a filesystem client) are written as escapes.
 */
final class OneLine {
    private OneLine() {
    }

    /** {@code text} with \n, \r, \t as escapes and other control characters and line separators as \\uXXXX. */
    static String of(String text) {
        if (text == null || text.chars().noneMatch(OneLine::needsEscape)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        text.chars().forEach(c -> {
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (needsEscape(c)) {
                        out.append(String.format("\\u%04x", c));
                    } else {
                        out.append((char) c);
                    }
                }
            }
        });
        return out.toString();
    }

    private static boolean needsEscape(int c) {
        return Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c == '\u0085';
    }
}
