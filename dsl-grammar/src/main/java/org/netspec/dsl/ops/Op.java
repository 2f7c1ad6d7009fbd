package org.netspec.dsl.ops;

import java.util.List;

/**
 * A built-in op: everything every stage needs to know about it, in one place. The checker
 * reads its parameters, the elaborator its shape rule, the generator its kind and runtime
 * name, summaries and exporters its tensors.
 *
 * @param kind          how generated code applies it
 * @param inputs        how many tensors it takes
 * @param runtimeMethod the method generated code calls: on {@code Builder} for layers (which
 *                      then run as {@code layer.forward(x, ctx)}), on {@code Context} for
 *                      activations and binary ops
 * @param runtimeType   for layers, the runtime class that method returns ({@code Conv}), which
 *                      generated code declares its fields with; null for other kinds
 * @param rule          output shape, tensors and counts for given arguments and input shapes
 */
public record Op(String name, Kind kind, int inputs, List<Param> params, String runtimeMethod, String runtimeType,
                 String doc, ShapeRule rule) {

    public enum Kind {
        /** Has parameters or settings: built once ({@code b.conv(...)}), kept in a field, applied per pass. */
        LAYER,
        /** Element-wise and parameterless: {@code ctx.relu(x)}. */
        ACTIVATION,
        /** Two tensors to one: {@code ctx.add(a, b)}, also written {@code a + b}. */
        BINARY
    }

    public Op {
        params = List.copyOf(params);
    }

    public Param param(String name) {
        return params.stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
    }

    public List<String> paramNames() {
        return params.stream().map(Param::name).toList();
    }
}
