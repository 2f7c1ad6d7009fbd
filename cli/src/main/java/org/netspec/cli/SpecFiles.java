package org.netspec.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.netspec.dsl.Frontend;
import org.netspec.dsl.Program;
import org.netspec.dsl.ir.ModelGraph;
import org.netspec.dsl.ir.Shape;

/** Shared by the subcommands: load specs, print diagnostics, elaborate a model. */
final class SpecFiles {
    private SpecFiles() {}

    static Program load(List<Path> files) {
        return Frontend.load(files, SpecFiles.class.getClassLoader());
    }

    /** Loads FILE and elaborates MODEL; prints diagnostics to {@code err} and returns empty on any error. */
    static Optional<ModelGraph> elaborate(Path file, String model, Optional<Shape> input, PrintWriter err) {
        Program program = load(List.of(file));
        Optional<ModelGraph> graph = program.ok() ? program.elaborate(model, input) : Optional.empty();
        if (program.diagnostics().hasErrors()) {
            err.print(program.diagnostics().format());
            err.flush();
            return Optional.empty();
        }
        return graph;
    }

    /** Parses {@code 3x224x224} (or a flat {@code 784}). */
    static Shape parseShape(String text) {
        if (!text.matches("[1-9][0-9]{0,8}(x[1-9][0-9]{0,8}){0,2}")) {
            throw new IllegalArgumentException("expected CxHxW such as 3x224x224, got '" + text + "'");
        }
        return new Shape(java.util.Arrays.stream(text.split("x")).map(Integer::valueOf).toList());
    }
}
