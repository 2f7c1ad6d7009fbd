package org.netspec.dsl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.netspec.dsl.diag.Diagnostic;

/** A malformed spec (one or more files) and the exact diagnostics it must produce. */
record DiagnosticCase(String name, Map<String, String> files, List<String> expected) {

    static DiagnosticCase of(String name, String source, String... expected) {
        return new DiagnosticCase(name, Map.of("t.net", source), List.of(expected));
    }

    static DiagnosticCase files(String name, Map<String, String> files, String... expected) {
        return new DiagnosticCase(name, new LinkedHashMap<>(files), List.of(expected));
    }

    /** Runs the whole front end: load, check, and elaborate every model with an input shape. */
    List<String> run() {
        Program program = Frontend.loadSources(files, DiagnosticCase.class.getClassLoader());
        if (program.ok()) {
            program.elaborateAll();
        }
        List<String> actual = new ArrayList<>();
        for (Diagnostic d : program.diagnostics().all()) {
            actual.add(d.headline());
        }
        return actual;
    }

    @Override
    public String toString() {
        return name;
    }
}
