package org.netspec.dsl.diag;

/**
 * The numbered catalogue of NetSpec diagnostics. Codes are stable: tests, docs and users refer
 * to them. docs/diagnostics.md is generated from this list by {@code DiagnosticsCatalogueTest}.
 */
public enum Code {
    // Reading and lexing
    NS001("unexpected character", "A character that is not part of the language, e.g. `$` or a non-ASCII byte."),
    NS002("unterminated comment", "A `/*` comment without its closing `*/`."),
    NS003("unterminated string", "A string literal without its closing quote on the same line."),
    NS004("file too large", "Spec files are limited to 1 MiB; larger inputs are refused before lexing."),
    NS005("cannot read file", "The file cannot be read, is not valid UTF-8 text, or contains NUL bytes."),
    NS006("nesting too deep", "Brackets or expressions nested deeper than 200 levels."),
    NS007("too many errors", "Reporting stops after 100 errors in one run."),

    // Syntax
    NS010("syntax error", "The parser met a token it did not expect; the message lists what it expected."),
    NS011("empty file", "The file defines no block, network or model."),
    NS012("invalid literal", "A number that does not fit, or a size with a zero dimension."),

    // Names and structure
    NS020("unknown name", "A name that is not a parameter, local value, definition, op or constant in scope."),
    NS021("duplicate definition", "Two blocks, networks or models with the same name in one file, or in two files it imports (its own definitions shadow imported ones)."),
    NS022("duplicate parameter", "Two parameters of one definition with the same name."),
    NS023("duplicate layer name", "Two layers of one block or network with the same label."),
    NS024("unknown keyword argument", "A keyword argument that the op, block or network does not declare."),
    NS025("recursive block", "A block or network that uses itself, directly or through others."),
    NS026("import not found", "An imported file that is neither next to the importing file nor on the classpath."),
    NS027("import cycle", "Files that import each other in a cycle."),
    NS028("unknown type", "A parameter type that is not int, float, bool, size, padding, init, string, block or a list of int."),
    NS029("cannot assign", "Assignment to a parameter, loop variable or the input `x`, or a value used before assignment."),

    // Types and values
    NS030("type mismatch", "A value of the wrong type: e.g. a float where an int is expected."),
    NS031("too many arguments", "More positional arguments than the callee declares."),
    NS032("missing argument", "A required argument was not given."),
    NS033("argument given twice", "An argument given both by position and by keyword, or twice by keyword."),
    NS034("not callable", "A call of something that is not an op, block or network."),
    NS035("value out of range", "A value outside what the op accepts: non-positive filters, stride 0, rate >= 1, ..."),
    NS036("static evaluation failed", "Division by zero, an exponent that is negative or overflows, and the like."),
    NS037("missing return", "A block or network body that does not end with `return`."),
    NS038("index out of range", "A list index outside the list."),
    NS039("no input shape", "A model whose input shape is given neither by the model, its network, nor the command line."),

    // Shapes
    NS040("shape mismatch", "`+` or `*` of values whose shapes differ (and do not broadcast)."),
    NS041("kernel larger than input", "A conv or pooling window larger than the padded input."),
    NS042("stride leaves no output", "A stride or window that leaves a spatial size below one."),
    NS043("dense on a 4-D value", "`dense` needs a flat value: put `mean(spatial)` or `flatten` before it."),
    NS044("bad groups", "Input or output channels not divisible by the conv's groups, or channels not divisible by"
            + " groupnorm's groups."),
    NS045("wrong rank", "An op that needs a CxHxW value got a flat one, or the other way round."),

    // Elaboration and tools
    NS050("unknown model", "The model named on the command line is not defined in the given files."),
    NS052("network too large", "Elaboration produced more than 100,000 layers: a loop bound is probably wrong."),

    // Code generation
    NS060("not supported by the generator", "A construct the Java generator cannot translate yet; the message says which."),
    NS061("no package (warning)", "A spec without `package` generates its classes in Java's default package, which code in"
            + " a named package cannot import; add `package com.example.models;` at its top.");

    private final String title;
    private final String explanation;

    Code(String title, String explanation) {
        this.title = title;
        this.explanation = explanation;
    }

    public String title() {
        return title;
    }

    public String explanation() {
        return explanation;
    }
}
