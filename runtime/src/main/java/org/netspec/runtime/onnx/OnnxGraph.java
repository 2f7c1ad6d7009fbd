package org.netspec.runtime.onnx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An ONNX graph as plain data, free of protobuf types: nodes in execution order and float32
 * initializers by name. {@link OnnxWriter} turns it into a file.
 */
final class OnnxGraph {
    /** One node; attribute values are Long, Float, String or long[]. */
    record Node(String name, String opType, List<String> inputs, List<String> outputs, Map<String, Object> attributes) {}

    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, INDArray> initializers = new LinkedHashMap<>();

    Node node(String name, String opType, List<String> inputs, String output, Map<String, Object> attributes) {
        Node n = new Node(name, opType, List.copyOf(inputs), List.of(output), new LinkedHashMap<>(attributes));
        nodes.add(n);
        return n;
    }

    /** Adds (or, for a shared constant, reuses) the initializer {@code name}. */
    String initializer(String name, INDArray value) {
        INDArray old = initializers.putIfAbsent(name, value);
        if (old != null && old != value) {
            throw new IllegalStateException("two tensors named " + name);
        }
        return name;
    }

    /** Replaces value {@code from} by {@code to} wherever a node reads or writes it. */
    void rename(String from, String to) {
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (n.inputs().contains(from) || n.outputs().contains(from)) {
                nodes.set(i, new Node(n.name(), n.opType(), swap(n.inputs(), from, to), swap(n.outputs(), from, to),
                        n.attributes()));
            }
        }
    }

    private static List<String> swap(List<String> names, String from, String to) {
        return names.stream().map(s -> s.equals(from) ? to : s).toList();
    }

    List<Node> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    Map<String, INDArray> initializers() {
        return Collections.unmodifiableMap(initializers);
    }
}
