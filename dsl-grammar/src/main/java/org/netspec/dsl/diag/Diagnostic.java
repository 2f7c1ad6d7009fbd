package org.netspec.dsl.diag;

/**
 * One finding. {@link #format()} renders it gcc-style: {@code path:line:col: error[NSnnn]: message},
 * then the source line and a caret under the offending token.
 */
public record Diagnostic(Severity severity, Code code, String message, Pos pos, String sourceLine) {

    /** The first line only: {@code path:line:col: error[NSnnn]: message}. */
    public String headline() {
        return pos.file() + ":" + pos.line() + ":" + pos.column() + ": " + severity.label()
                + "[" + code.name() + "]: " + message;
    }

    public String format() {
        StringBuilder out = new StringBuilder(headline());
        if (sourceLine != null && pos.column() >= 1) {
            String shown = sourceLine.length() > 200 ? sourceLine.substring(0, 200) : sourceLine;
            out.append('\n').append("  ").append(shown).append('\n').append("  ");
            // Keep tabs so the caret lines up under tab-indented source.
            int col = Math.min(pos.column() - 1, shown.length());
            for (int i = 0; i < col; i++) {
                out.append(shown.charAt(i) == '\t' ? '\t' : ' ');
            }
            out.append('^');
            int tail = Math.min(Math.max(pos.length(), 1), Math.max(1, shown.length() - col)) - 1;
            out.append("~".repeat(Math.max(0, Math.min(tail, 80))));
        }
        return out.toString();
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }
}
