package org.netspec.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import org.netspec.dsl.ir.ModelGraph;
import org.netspec.dsl.ir.Shape;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code FILE MODEL [--input CxHxW]}: a model elaborated from its spec, for commands that describe one. */
final class ElaboratedModel {
    @Parameters(index = "0", paramLabel = "FILE", description = "spec file (.net)")
    Path file;

    @Parameters(index = "1", paramLabel = "MODEL", description = "model name or call")
    String model;

    @Option(names = "--input", paramLabel = "CxHxW", description = "input shape (default: the model's own)")
    String input;

    /** The elaborated model; empty after printing what is wrong (a bad --input or the spec's diagnostics). */
    Optional<ModelGraph> elaborate(String command, PrintWriter err) {
        Optional<Shape> shape;
        try {
            shape = Optional.ofNullable(input).map(SpecFiles::parseShape);
        } catch (IllegalArgumentException e) {
            err.println("netspec " + command + ": --input: " + e.getMessage());
            return Optional.empty();
        }
        return SpecFiles.elaborate(file, model, shape, err);
    }
}
