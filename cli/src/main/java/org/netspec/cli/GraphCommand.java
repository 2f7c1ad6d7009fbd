package org.netspec.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.netspec.dsl.ir.BlockInstance;
import org.netspec.dsl.ir.Layer;
import org.netspec.dsl.ops.Op;
import org.netspec.dsl.ops.OpRegistry;
import org.netspec.dsl.ir.ModelGraph;
import org.netspec.dsl.ir.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "graph", mixinStandardHelpOptions = true,
        description = {"A Graphviz picture of a model, with each block instance as a cluster.",
                "--format svg runs Graphviz's `dot` program (Debian package graphviz)."})
final class GraphCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ElaboratedModel target;

    @Option(names = "--format", defaultValue = "dot", description = "dot or svg (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write here instead of stdout")
    Path output;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        if (!format.equals("dot") && !format.equals("svg")) {
            err.println("netspec graph: --format must be dot or svg, got '" + format + "'");
            return 1;
        }
        Optional<ModelGraph> graph = target.elaborate("graph", err);
        if (graph.isEmpty()) {
            return 1;
        }
        String dot = toDot(graph.get());
        byte[] result;
        if (format.equals("svg")) {
            Optional<byte[]> svg = runDot(dot, err);
            if (svg.isEmpty()) {
                return 1;
            }
            result = svg.get();
        } else {
            result = dot.getBytes(StandardCharsets.UTF_8);
        }
        if (output != null) {
            Files.write(output, result);
        } else {
            System.out.write(result);
            System.out.flush();
        }
        return 0;
    }

    private static Optional<byte[]> runDot(String dot, PrintWriter err) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder("dot", "-Tsvg").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            err.println("netspec graph: --format svg needs Graphviz's `dot` program, which is not installed;"
                    + " install it (Debian: apt-get install graphviz) or use --format dot");
            return Optional.empty();
        }
        try (var in = process.getOutputStream()) {
            in.write(dot.getBytes(StandardCharsets.UTF_8));
        }
        byte[] svg = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            err.println("netspec graph: `dot -Tsvg` failed");
            return Optional.empty();
        }
        return Optional.of(svg);
    }

    /** DOT text: one node per layer, block instances as nested clusters, edges labelled by shape. */
    static String toDot(ModelGraph g) {
        StringBuilder out = new StringBuilder();
        out.append("digraph \"").append(g.model()).append("\" {\n");
        out.append("  graph [rankdir=TB, fontname=\"Helvetica\", label=\"").append(g.model()).append(" (")
                .append(String.format("%,d params, %,d MACs", g.params(), g.macs())).append(")\", labelloc=t];\n");
        out.append("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f4f4f4\", fontname=\"Helvetica\", fontsize=10];\n");
        out.append("  edge [fontname=\"Helvetica\", fontsize=8];\n");
        out.append("  n0 [label=\"input\\n").append(g.input()).append("\", shape=oval];\n");

        Map<String, List<Layer>> byScope = new LinkedHashMap<>();
        for (Layer l : g.layers()) {
            byScope.computeIfAbsent(l.scope(), k -> new ArrayList<>()).add(l);
        }
        Map<String, List<BlockInstance>> children = new LinkedHashMap<>();
        for (BlockInstance b : g.blocks()) {
            children.computeIfAbsent(b.scope(), k -> new ArrayList<>()).add(b);
        }
        emitScope("", byScope, children, g, out, "  ");
        Map<Integer, Shape> shapes = new LinkedHashMap<>();
        shapes.put(0, g.input());
        for (Layer l : g.layers()) {
            shapes.put(l.id(), l.output());
            for (int in : l.inputs()) {
                out.append("  n").append(in).append(" -> n").append(l.id())
                        .append(" [label=\"").append(shapes.get(in)).append("\"];\n");
            }
        }
        out.append("  out [label=\"output\\n").append(g.outputShape()).append("\", shape=oval];\n");
        out.append("  n").append(g.output()).append(" -> out;\n");
        out.append("}\n");
        return out.toString();
    }

    private static void emitScope(String scope, Map<String, List<Layer>> byScope, Map<String, List<BlockInstance>> children,
                                  ModelGraph g, StringBuilder out, String indent) {
        for (Layer l : byScope.getOrDefault(scope, List.of())) {
            String local = scope.isEmpty() ? l.name() : l.name().substring(scope.length() + 1);
            out.append(indent).append("n").append(l.id()).append(" [label=\"").append(local).append("\\n").append(l.op())
                    .append(' ').append(l.output()).append("\"");
            Op op = OpRegistry.op(l.op());
            if (l.macs() > 0) {
                out.append(", fillcolor=\"#dbe9f6\""); // the layers that do the arithmetic
            } else if (op.kind() == Op.Kind.BINARY) {
                out.append(", shape=circle, label=\"").append(l.op().equals("add") ? "+" : "*").append("\"");
            }
            out.append("];\n");
        }
        for (BlockInstance b : children.getOrDefault(scope, List.of())) {
            out.append(indent).append("subgraph \"cluster_").append(b.name()).append("\" {\n");
            out.append(indent).append("  label=\"").append(b.name()).append(": ").append(b.block()).append("\";\n");
            out.append(indent).append("  style=rounded; color=\"#8aa4c8\";\n");
            emitScope(b.name(), byScope, children, g, out, indent + "  ");
            out.append(indent).append("}\n");
        }
    }
}
