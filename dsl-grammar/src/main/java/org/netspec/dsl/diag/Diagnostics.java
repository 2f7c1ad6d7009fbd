package org.netspec.dsl.diag;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects every diagnostic of a run. Stages report into it and check {@link #errorCount()} to
 * decide whether the next stage may run (the error gate). Duplicates (same code and place) are
 * dropped; past {@link #LIMIT} errors one NS007 note closes the list.
 */
public final class Diagnostics {
    public static final int LIMIT = 100;

    private final List<Diagnostic> items = new ArrayList<>();
    /** One report per code and place: a block elaborated fifty times reports its mistake once. */
    private final Set<String> reported = new HashSet<>();
    private final Map<String, SourceText> sources = new HashMap<>();
    private int errors;
    private boolean truncated;

    public void addSource(SourceText source) {
        sources.put(source.name(), source);
    }

    public void error(Code code, Pos pos, String message) {
        report(Severity.ERROR, code, pos, message);
    }

    public void warning(Code code, Pos pos, String message) {
        report(Severity.WARNING, code, pos, message);
    }

    public void note(Code code, Pos pos, String message) {
        report(Severity.NOTE, code, pos, message);
    }

    private void report(Severity severity, Code code, Pos pos, String message) {
        if (truncated) {
            return;
        }
        if (severity == Severity.ERROR && errors >= LIMIT) {
            truncated = true;
            items.add(new Diagnostic(Severity.NOTE, Code.NS007,
                    "too many errors; stopped after " + LIMIT, pos, null));
            return;
        }
        SourceText source = sources.get(pos.file());
        String line = source == null ? null : source.line(pos.line());
        if (reported.add(code + "@" + pos)) {
            items.add(new Diagnostic(severity, code, message, pos, line));
            if (severity == Severity.ERROR) {
                errors++;
            }
        }
    }

    public int errorCount() {
        return errors;
    }

    public boolean hasErrors() {
        return errors > 0;
    }

    /** In reporting order: by file, line, column — the order a reader scans the files in. */
    public List<Diagnostic> all() {
        List<Diagnostic> list = new ArrayList<>(items);
        list.sort(Comparator.comparing((Diagnostic d) -> d.code() == Code.NS007 ? 1 : 0)
                .thenComparing(d -> d.pos().file())
                .thenComparingInt(d -> d.pos().line())
                .thenComparingInt(d -> d.pos().column()));
        return list;
    }

    public String format() {
        StringBuilder out = new StringBuilder();
        for (Diagnostic d : all()) {
            out.append(d.format()).append('\n');
        }
        if (errors > 0) {
            out.append(errors).append(errors == 1 ? " error" : " errors").append('\n');
        }
        return out.toString();
    }
}
