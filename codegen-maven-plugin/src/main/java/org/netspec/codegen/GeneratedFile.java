package org.netspec.codegen;

/** One generated source: a '/'-separated path relative to the output root, and its full text. */
public record GeneratedFile(String path, String content) {}
