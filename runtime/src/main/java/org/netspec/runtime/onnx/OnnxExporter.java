package org.netspec.runtime.onnx;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.trace.Trace;
import org.netspec.runtime.trace.TracedOp;

/**
 * Turns a traced evaluation pass into an ONNX graph (opset 17): input {@code input}, NCHW float32
 * with a symbolic batch; output {@code logits}. NetSpec runs NHWC, ONNX is NCHW, so the
 * layout-dependent ops (conv, pooling, mean, flatten) are written with NCHW axes; the element-wise
 * ones do not care. Initializers carry the checkpoint names ({@code layer1.0.conv1.weight}), nodes
 * the layer names. Every op the language has is mapped here, and only here.
 */
public final class OnnxExporter {
    public static final String INPUT = "input";
    public static final String OUTPUT = "logits";

    private final OnnxOptions options;
    private final OnnxGraph graph = new OnnxGraph();
    /** The ONNX value holding each traced array (compared by identity). */
    private final Map<INDArray, String> values = new IdentityHashMap<>();
    private final Set<String> foldedNorms = new HashSet<>();

    private OnnxExporter(OnnxOptions options) {
        this.options = options;
    }

    /** Writes {@code trace} of the model {@code info} describes to {@code file}, atomically. */
    public static ExportReport export(Trace trace, ModelInfo info, OnnxOptions options, String netspecVersion, Path file)
            throws IOException {
        OnnxGraph graph = graph(trace, options);
        Map<String, String> metadata = new LinkedHashMap<>(info.metadata());
        metadata.put("netspec.version", netspecVersion);
        metadata.put("netspec.batchnorm", options.foldBatchNorm() ? "folded into convs" : "BatchNormalization");
        ModelInfo withVersion = new ModelInfo(info.name(), info.input(), info.output(), info.description(), metadata);
        long bytes = OnnxWriter.write(graph, withVersion, INPUT, OUTPUT, netspecVersion, file);
        return new ExportReport(file, graph.nodes().size(), graph.initializers().size(), bytes, options.foldBatchNorm());
    }

    /** The ONNX graph of a traced pass. */
    static OnnxGraph graph(Trace trace, OnnxOptions options) {
        OnnxExporter e = new OnnxExporter(options);
        e.values.put(trace.input(), INPUT);
        for (TracedOp op : trace.ops()) {
            e.map(op);
        }
        String last = e.name(trace.output(), "the network's output");
        if (last.equals(INPUT)) {
            e.graph.node(OUTPUT, "Identity", List.of(INPUT), OUTPUT, Map.of());
        } else {
            e.graph.rename(last, OUTPUT);
        }
        return e.graph;
    }

    private void map(TracedOp op) {
        String x = name(op.input(), op.layer());
        String layer = op.layer();
        switch (op.op()) {
            case "conv" -> conv(op, x);
            case "batchnorm" -> batchNorm(op, x);
            case "dense" -> {
                List<String> in = op.tensors().containsKey("bias")
                        ? List.of(x, tensor(op, "weight"), tensor(op, "bias")) : List.of(x, tensor(op, "weight"));
                emit(op, "Gemm", in, Map.of("transB", 1L));
            }
            case "maxpool" -> emit(op, "MaxPool", List.of(x), window(op));
            case "avgpool" -> {
                Map<String, Object> a = window(op);
                a.put("count_include_pad", op.boolAttribute("count_include_pad") ? 1L : 0L);
                emit(op, "AveragePool", List.of(x), a);
            }
            case "mean" -> emit(op, "ReduceMean", List.of(x),
                    Map.of("axes", new long[] {2, 3}, "keepdims", op.boolAttribute("keepdims") ? 1L : 0L));
            case "flatten" -> {
                if (op.input().rank() == 2) {
                    alias(op, x); // already flat
                } else {
                    emit(op, "Flatten", List.of(x), Map.of("axis", 1L));
                }
            }
            case "groupnorm" -> groupNorm(op, x);
            case "dropout", "drop_path", "identity" -> alias(op, x); // evaluation: the identity
            case "relu" -> emit(op, "Relu", List.of(x), Map.of());
            case "sigmoid" -> emit(op, "Sigmoid", List.of(x), Map.of());
            case "tanh" -> emit(op, "Tanh", List.of(x), Map.of());
            case "silu" -> {
                String s = node(layer + ".sigmoid", "Sigmoid", List.of(x), Map.of());
                emit(op, "Mul", List.of(x, s), Map.of());
            }
            case "gelu" -> gelu(op, x);
            case "add" -> emit(op, "Add", List.of(x, name(op.inputs().get(1), layer)), Map.of());
            case "add+relu" -> {
                String sum = node(layer + ".sum", "Add", List.of(x, name(op.inputs().get(1), layer)), Map.of());
                emit(op, "Relu", List.of(sum), Map.of());
            }
            case "multiply" -> emit(op, "Mul", List.of(x, name(op.inputs().get(1), layer)), Map.of());
            default -> throw new OnnxExportException("layer " + layer + ": op '" + op.op() + "' has no ONNX mapping");
        }
    }

    private void conv(TracedOp op, String x) {
        Map<String, Object> a = window(op);
        a.put("dilations", longs(op.intsAttribute("dilations")));
        a.put("group", (long) op.intAttribute("groups"));
        Object folds = op.attributes().get("folds");
        List<String> in;
        if (options.foldBatchNorm() && folds != null) {
            // W' = W * gamma / sqrt(var + eps), b' = beta + (b - mean) * that scale: the norm disappears
            foldedNorms.add((String) folds);
            in = List.of(x, graph.initializer(op.layer() + ".weight", op.tensors().get("folded_weight")),
                    graph.initializer(op.layer() + ".bias", op.tensors().get("folded_bias")));
        } else if (op.tensors().containsKey("bias")) {
            in = List.of(x, tensor(op, "weight"), tensor(op, "bias"));
        } else {
            in = List.of(x, tensor(op, "weight"));
        }
        emit(op, "Conv", in, a);
    }

    private void batchNorm(TracedOp op, String x) {
        if (foldedNorms.contains(op.layer())) {
            alias(op, x);
            return;
        }
        // ONNX's momentum weighs the old statistics; PyTorch's (and NetSpec's) the new batch
        emit(op, "BatchNormalization", List.of(x, tensor(op, "weight"), tensor(op, "bias"), tensor(op, "running_mean"),
                tensor(op, "running_var")), Map.of("epsilon", (float) op.doubleAttribute("epsilon"),
                "momentum", (float) (1 - op.doubleAttribute("momentum"))));
    }

    /**
     * Opset 17 has no GroupNormalization (18 has, with a per-group scale that 21 changed): the
     * usual decomposition — InstanceNormalization over [N, groups, rest], back to NCHW, then
     * the per-channel scale and shift.
     */
    private void groupNorm(TracedOp op, String x) {
        String layer = op.layer();
        int groups = op.intAttribute("groups");
        long channels = op.tensors().get("weight").length();
        String shape = node(layer + ".shape", "Shape", List.of(x), Map.of());
        String grouped = node(layer + ".group", "Reshape", List.of(x, longs(layer + ".groups",
                new long[] {0, groups, -1})), Map.of());
        String normalised = node(layer + ".norm", "InstanceNormalization", List.of(grouped,
                constantVector(layer + ".ones", groups, 1), constantVector(layer + ".zeros", groups, 0)),
                Map.of("epsilon", (float) op.doubleAttribute("epsilon")));
        String back = node(layer + ".ungroup", "Reshape", List.of(normalised, shape), Map.of());
        long[] perChannel = {channels, 1, 1};
        String scaled = node(layer + ".scale", "Mul", List.of(back, graph.initializer(layer + ".weight",
                op.tensors().get("weight").reshape(perChannel))), Map.of());
        emit(op, "Add", List.of(scaled, graph.initializer(layer + ".bias", op.tensors().get("bias").reshape(perChannel))),
                Map.of());
    }

    private String longs(String name, long[] values) {
        return graph.initializer(name, Nd4j.createFromArray(values));
    }

    private String constantVector(String name, int length, float value) {
        return graph.initializer(name, Nd4j.valueArrayOf(new long[] {length}, value, DataType.FLOAT));
    }

    /** The exact GELU, as the runtime computes it: x * 0.5 * (1 + erf(x / sqrt 2)). */
    private void gelu(TracedOp op, String x) {
        String layer = op.layer();
        String scaled = node(layer + ".div", "Div", List.of(x, constant("sqrt2", Math.sqrt(2))), Map.of());
        String erf = node(layer + ".erf", "Erf", List.of(scaled), Map.of());
        String plus = node(layer + ".add", "Add", List.of(erf, constant("one", 1)), Map.of());
        String times = node(layer + ".mul", "Mul", List.of(x, plus), Map.of());
        emit(op, "Mul", List.of(times, constant("half", 0.5)), Map.of());
    }

    private String constant(String name, double value) {
        return graph.initializer("netspec.constant." + name, constants.computeIfAbsent(name,
                k -> Nd4j.scalar(DataType.FLOAT, (float) value)));
    }

    private final Map<String, INDArray> constants = new LinkedHashMap<>();

    /** A node whose output is the traced op's result, named after its layer. */
    private void emit(TracedOp op, String opType, List<String> inputs, Map<String, Object> attributes) {
        values.put(op.output(), node(op.layer(), opType, inputs, attributes));
    }

    /** A node with one output named like the node; returns that name. */
    private String node(String name, String opType, List<String> inputs, Map<String, Object> attributes) {
        graph.node(name, opType, inputs, name, attributes);
        return name;
    }

    /** An op that computes nothing in evaluation: its result is its input's value. */
    private void alias(TracedOp op, String x) {
        values.put(op.output(), x);
    }

    private String tensor(TracedOp op, String role) {
        return graph.initializer(op.layer() + "." + role, op.tensors().get(role));
    }

    private String name(INDArray value, String reader) {
        String n = values.get(value);
        if (n == null) {
            throw new IllegalStateException(reader + " reads a value no traced op produced (a NetSpec bug)");
        }
        return n;
    }

    /** kernel_shape, strides and pads; NetSpec's pads are (top, bottom, left, right), ONNX's begins then ends. */
    private static Map<String, Object> window(TracedOp op) {
        int[] p = op.intsAttribute("pads");
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("kernel_shape", longs(op.intsAttribute("kernel")));
        a.put("strides", longs(op.intsAttribute("strides")));
        a.put("pads", new long[] {p[0], p[2], p[1], p[3]});
        return a;
    }

    private static long[] longs(int[] ints) {
        long[] out = new long[ints.length];
        for (int i = 0; i < ints.length; i++) {
            out[i] = ints[i];
        }
        return out;
    }
}
