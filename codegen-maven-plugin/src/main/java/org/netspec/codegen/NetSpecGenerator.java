package org.netspec.codegen;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.netspec.dsl.Frontend;
import org.netspec.dsl.Program;

/**
 * The code generator's entry point: spec files in, Java sources out. A plain library — no
 * Maven types — so the mojo, the command line and tests all call the same thing.
 */
public final class NetSpecGenerator {
    private NetSpecGenerator() {}

    /**
     * Runs the front end over {@code specs} (imports resolve next to each file, then through
     * {@code classpath}) and, when it reports no errors, generates one class per block, network
     * and model of those files. Files come back in a fixed order with fixed content: the same
     * specs always give the same bytes.
     */
    public static GenerationResult generate(List<Path> specs, ClassLoader classpath) {
        List<Path> sorted = specs.stream().sorted().toList();
        return generate(Frontend.load(sorted, classpath), sorted);
    }

    /**
     * Generates from a program the caller already loaded from {@code specs} (sorted, as
     * {@link #generate(List, ClassLoader)} loads them), so that the front end runs once.
     */
    public static GenerationResult generate(Program program, List<Path> sorted) {
        List<GeneratedFile> files = new ArrayList<>();
        java.util.Map<String, org.netspec.dsl.ir.ModelGraph> graphs = new java.util.HashMap<>();
        // with errors elsewhere, the sound models are still elaborated: their shape errors show too
        for (org.netspec.dsl.ir.ModelGraph g : program.elaborateAll()) {
            graphs.put(g.model(), g);
        }
        if (program.ok()) {
            files.addAll(new JavaEmitter(program, graphs).emit());
            warnAboutTheDefaultPackage(program, sorted);
        }
        return new GenerationResult(program.ok() ? files : List.of(), program.diagnostics(), program.sources());
    }

    /** Classes in the default package cannot be imported from a named one: say so, naming the file. */
    private static void warnAboutTheDefaultPackage(Program program, List<Path> specs) {
        List<String> given = specs.stream().map(Path::toString).toList();
        for (org.netspec.dsl.syntax.SpecFile file : program.files()) {
            if (file.packageName().isEmpty() && !file.definitions().isEmpty() && given.contains(file.path())) {
                program.diagnostics().warning(org.netspec.dsl.diag.Code.NS061,
                        new org.netspec.dsl.diag.Pos(file.pos().file(), 1, 1, 0),
                        "no `package` in this spec: its classes go to Java's default package, which code in a named"
                                + " package cannot import; add `package com.example.models;` at its top");
            }
        }
    }
}
