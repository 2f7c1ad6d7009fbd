package org.netspec.codegen;

import java.util.List;
import java.util.Map;
import org.netspec.dsl.diag.Diagnostics;

/**
 * What a generation produced: the files (empty when there were errors), every diagnostic, and
 * the text of every spec that was read — the given ones and all they import — keyed by display
 * name, so that callers can decide staleness by content.
 */
public record GenerationResult(List<GeneratedFile> files, Diagnostics diagnostics, Map<String, String> sources) {
    public GenerationResult {
        files = List.copyOf(files);
        sources = Map.copyOf(sources);
    }

    public boolean ok() {
        return !diagnostics.hasErrors();
    }
}
