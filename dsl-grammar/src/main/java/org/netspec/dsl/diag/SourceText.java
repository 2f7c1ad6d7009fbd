package org.netspec.dsl.diag;

/** The text of one spec, by display name, with line lookup for diagnostics. */
public record SourceText(String name, String text) {

    /** The 1-based line {@code n} without its line terminator, or null when out of range. */
    public String line(int n) {
        if (n < 1) {
            return null;
        }
        int start = 0;
        for (int i = 1; i < n; i++) {
            int next = text.indexOf('\n', start);
            if (next < 0) {
                return null;
            }
            start = next + 1;
        }
        int end = text.indexOf('\n', start);
        String line = end < 0 ? text.substring(start) : text.substring(start, end);
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }
}
