package org.netspec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.netspec.dsl.ir.Layer;
import org.netspec.dsl.ir.ModelGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "summary", mixinStandardHelpOptions = true,
        description = {"Per-layer table of a model: name, op, output shape, parameters, MACs; then totals.",
                "MODEL is a model name (ResNet50) or a call such as",
                "'ResNet(block: BasicBlock, stages: [2,2,2,2], filters: 16, classes: 10)'."})
final class SummaryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ElaboratedModel target;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<ModelGraph> graph = target.elaborate("summary", err);
        if (graph.isEmpty()) {
            return 1;
        }
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toJson(graph.get())));
        } else {
            printTable(graph.get(), out);
        }
        out.flush();
        return 0;
    }

    static ObjectNode toJson(ModelGraph g) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("model", g.model());
        root.put("network", g.network());
        root.put("input", g.input().toString());
        root.put("output", g.outputShape().toString());
        root.put("params", g.params());
        root.put("macs", g.macs());
        ArrayNode layers = root.putArray("layers");
        for (Layer l : g.layers()) {
            ObjectNode node = layers.addObject();
            node.put("name", l.name());
            node.put("op", l.op());
            node.put("shape", l.output().toString());
            ArrayNode dims = node.putArray("dims");
            l.output().dims().forEach(dims::add);
            node.put("params", l.params());
            node.put("macs", l.macs());
        }
        return root;
    }

    static void printTable(ModelGraph g, PrintWriter out) {
        int nameWidth = Math.max(5, g.layers().stream().mapToInt(l -> l.name().length()).max().orElse(5));
        String row = "%-" + nameWidth + "s  %-10s  %-14s  %14s  %16s%n";
        out.printf("%s (%s) on %s%n%n", g.model(), g.network(), g.input());
        out.printf(row, "layer", "op", "output", "params", "MACs");
        out.println("-".repeat(nameWidth + 64));
        for (Layer l : g.layers()) {
            out.printf(row, l.name(), l.op(), l.output(), l.params() == 0 ? "" : String.format("%,d", l.params()),
                    l.macs() == 0 ? "" : String.format("%,d", l.macs()));
        }
        out.println("-".repeat(nameWidth + 64));
        out.printf(row, "total", "", g.outputShape(), String.format("%,d", g.params()), String.format("%,d", g.macs()));
    }
}
