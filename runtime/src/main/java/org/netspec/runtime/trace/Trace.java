package org.netspec.runtime.trace;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The ops of one evaluation pass in the order they ran. Networks are static graphs (loops and
 * conditions are decided when a model is built), so one pass records the whole network; exporters
 * (ONNX) turn the record into their own graph. Layers record with their own names; parameterless
 * ops are named after the block they ran in and counted per op ({@code layer1.0.relu_1}).
 */
public final class Trace {
    private final List<TracedOp> ops = new ArrayList<>();
    private final Deque<String> blocks = new ArrayDeque<>();
    private final Map<String, Integer> used = new HashMap<>();
    private final Map<String, Integer> counters = new HashMap<>();
    private INDArray input;
    private INDArray output;

    /** Enters the block named {@code path} (empty for the network itself). */
    public void enter(String path) {
        blocks.push(path);
    }

    public void exit() {
        blocks.pop();
    }

    /** Records a layer's op under the layer's own name. */
    public void layer(String path, String op, List<INDArray> inputs, INDArray output, Map<String, Object> attributes,
                      Map<String, INDArray> tensors) {
        ops.add(new TracedOp(unique(path), op, List.copyOf(inputs), output, Map.copyOf(attributes), Map.copyOf(tensors)));
    }

    /** Records a parameterless op ({@code relu}, {@code add}) named after the block it ran in. */
    public void op(String op, INDArray output, INDArray... inputs) {
        String block = blocks.isEmpty() ? "" : blocks.peek();
        String base = (block.isEmpty() ? "" : block + ".") + op.replace('+', '_');
        int k = counters.merge(base, 1, Integer::sum) - 1; // relu_0, relu_1: as the checker names them
        ops.add(new TracedOp(unique(base + "_" + k), op, List.of(inputs), output, Map.of(), Map.of()));
    }

    private String unique(String name) {
        int n = used.merge(name, 1, Integer::sum);
        return n == 1 ? name : name + "_" + (n - 1);
    }

    /** The pass's input and result, set by the model that ran it. */
    public void bounds(INDArray input, INDArray output) {
        this.input = input;
        this.output = output;
    }

    public INDArray input() {
        return input;
    }

    public INDArray output() {
        return output;
    }

    public List<TracedOp> ops() {
        return Collections.unmodifiableList(ops);
    }
}
