package org.netspec.runtime.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.InputException;
import org.netspec.runtime.NetSpecVersion;
import org.netspec.runtime.onnx.ExportReport;
import org.netspec.runtime.onnx.ModelInfo;
import org.netspec.runtime.onnx.OnnxExporter;
import org.netspec.runtime.onnx.OnnxOptions;
import org.netspec.runtime.trace.Trace;

/**
 * Base of generated model classes (and of interpreted models): owns the parameters, builds the
 * network once, and offers the typed API — {@code forward}, {@code predict}, {@code features},
 * {@code parameterCount}, {@code summary}.
 */
public abstract class Model {
    /**
     * Every pass runs in an ND4J workspace: after the first pass has measured what it needs, the
     * activations of later passes reuse the same memory instead of fresh allocations (which cost
     * more than the convolutions). Workspaces are per thread, so concurrent predicts do not share one.
     * Sized exactly (a pass of a static graph allocates the same every time; over-allocating by
     * 20 % cost 175 MB of touched memory in a ResNet-50 training step) and grown to the largest
     * pass seen when a bigger one spills.
     */
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.STRICT).policySpill(SpillPolicy.REALLOCATE)
            .policyLearning(LearningPolicy.FIRST_LOOP).build();

    /** Activation-gradient buffers of this thread's backward passes, reused from step to step. */
    private final ThreadLocal<GradientBuffers> gradientBuffers = ThreadLocal.withInitial(GradientBuffers::new);

    private final String name;
    private final Shape input;
    private final Parameters parameters;
    private final Layer network;
    private final List<Layer> layers;
    /** Values one example's pass writes: the input and every layer's output (known from the build). */
    private final long activationElements;

    /**
     * What one pass's activations may take: {@code -Dnetspec.maxPassBytes}, by default half this
     * machine's memory — a huge input must be refused with a message, not end in the OOM killer.
     */
    public static final long MAX_PASS_BYTES = Long.getLong("netspec.maxPassBytes", physicalMemory() / 2);

    private static long physicalMemory() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean m ? m.getTotalMemorySize() : 8L << 30;
    }

    protected Model(String name, Shape input, long seed, BiFunction<Builder, Shape, Layer> network) {
        this(name, input, new Parameters(seed), network);
    }

    /** With parameters of another type: float64 models serve gradient checks. */
    protected Model(String name, Shape input, Parameters parameters, BiFunction<Builder, Shape, Layer> network) {
        this.name = name;
        this.input = input;
        this.parameters = parameters;
        Builder builder = new Builder(parameters);
        this.network = network.apply(builder, input);
        this.layers = builder.layers();
        this.activationElements = layers.stream().mapToLong(l -> l.output().elements()).sum() + input.elements();
    }

    public String name() {
        return name;
    }

    public Shape inputShape() {
        return input;
    }

    public Shape outputShape() {
        return network.output();
    }

    public Parameters parameters() {
        return parameters;
    }

    public long parameterCount() {
        return parameters.parameterCount();
    }

    /** Multiply-accumulates of one example's forward pass (conv and dense layers), from the built layers. */
    public long macs() {
        return layers.stream().mapToLong(l -> ((OpLayer) l).macs()).sum();
    }

    /** Runs the network in a context of the caller's: a tape, kept features. */
    public INDArray forward(INDArray nhwc, Context ctx) {
        requireMemory(nhwc.size(0), ctx.training());
        try (MemoryWorkspace ws = workspace()) {
            requireFinite(nhwc); // inside the workspace: the check's temporaries are reused, not leaked to the GC
            INDArray out = ctx.nhwc(network.forward(nhwc, ctx)); // callers get NHWC, whatever the last layer's layout
            ctx.kept().replaceAll((k, v) -> v.detach());
            return out.detach();
        }
    }

    private MemoryWorkspace workspace() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, "netspec-" + name);
    }

    /** Runs the network on a batch already in NetSpec's layout (NHWC, float32), checked like {@link #predict}'s. */
    public INDArray forward(INDArray nhwc, Mode mode) {
        return forward(checkModelLayout(nhwc), new Context(mode));
    }

    /**
     * {@code nhwc} as this model takes it at run time — {@code [N, H, W, C]} (or {@code [N, F]}),
     * in its parameters' type, every value finite — or an {@link IllegalArgumentException}
     * giving the expected and actual shapes (an NCHW batch here would run on scrambled pixels).
     */
    public INDArray checkModelLayout(INDArray nhwc) {
        requireType(nhwc);
        long[] shape = nhwc.shape();
        long[] expected = input.batch(shape.length > 0 ? shape[0] : 0);
        if (shape.length != expected.length || shape.length == 0 || shape[0] < 1
                || !Arrays.equals(Arrays.copyOfRange(shape, 1, shape.length), Arrays.copyOfRange(expected, 1, expected.length))) {
            throw new InputException(name + " takes batches in its run-time layout " + (input.isSpatial()
                    ? "[N, " + input.height() + ", " + input.width() + ", " + input.channels() + "] (NHWC)"
                    : "[N, " + input.channels() + "]") + ", got " + Arrays.toString(shape)
                    + (input.isSpatial() ? "; predict() and features() take NCHW" : ""));
        }
        return nhwc; // values are checked finite where the pass runs, in its workspace
    }

    /**
     * Refuses NaN and infinite inputs: they would not come out as NaN (a relu turns NaN into 0), so
     * the logits of a broken image would look like any other's.
     */
    private void requireFinite(INDArray x) {
        String bad = Tensors.nonFinite(x);
        if (bad != null) {
            throw new InputException(name + ": the input holds " + bad
                    + "; refused, as the logits of such input mean nothing");
        }
    }

    /** Refuses a pass whose activations (kept for backward in training: about three times) exceed the budget. */
    void requireMemory(long batch, boolean training) {
        long bytes;
        try {
            bytes = Math.multiplyExact(Math.multiplyExact(activationElements, batch),
                    (long) parameters.dataType().width() * (training ? 3 : 1));
        } catch (ArithmeticException e) {
            bytes = Long.MAX_VALUE;
        }
        if (bytes > MAX_PASS_BYTES) {
            throw new InputException(String.format(java.util.Locale.ROOT, "%s: %s pass over %d example(s) of %s"
                    + " needs about %,d MB of activations, more than the %,d MB allowed (half this machine's memory;"
                    + " -Dnetspec.maxPassBytes=N); use a smaller batch or input", name, training ? "a training"
                    : "an evaluation", batch, input, bytes >> 20, MAX_PASS_BYTES >> 20));
        }
    }

    private void requireType(INDArray images) {
        if (images.dataType() != parameters.dataType()) {
            throw new InputException(name + " expects " + (parameters.dataType() == DataType.FLOAT ? "float32"
                    : parameters.dataType().toString().toLowerCase(java.util.Locale.ROOT)) + " input, got " + images.dataType());
        }
    }

    /** Loss, logits and the gradient of the loss for every parameter, by checkpoint name. */
    public record Gradients(double loss, INDArray logits, Map<String, INDArray> gradients) {}

    /**
     * One training-mode pass over an NHWC batch with its class labels: batch statistics (and
     * their running averages updated), softmax cross-entropy, and back-propagation.
     */
    public Gradients gradients(INDArray nhwc, INDArray labels, double labelSmoothing) {
        return gradients(checkModelLayout(nhwc), labels, labelSmoothing, Context.training(new Tape()));
    }

    /** {@link #gradients}, timing every layer, op and backward step into {@code profile}. */
    public Gradients gradients(INDArray nhwc, INDArray labels, double labelSmoothing, Profile profile) {
        return gradients(checkModelLayout(nhwc), labels, labelSmoothing, Context.training(new Tape(profile)).profiled(profile));
    }

    /** {@link #gradients} with the pass's randomness (dropout) drawn from {@code passSeed} alone: replayable. */
    public Gradients gradients(INDArray nhwc, INDArray labels, double labelSmoothing, long passSeed) {
        return gradients(checkModelLayout(nhwc), labels, labelSmoothing, Context.training(new Tape()).seeded(passSeed));
    }

    private Gradients gradients(INDArray nhwc, INDArray labels, double labelSmoothing, Context ctx) {
        try (MemoryWorkspace ws = workspace()) {
            requireFinite(nhwc);
            Tape tape = ctx.tape();
            INDArray logits = ctx.nhwc(network.forward(nhwc, ctx));
            org.netspec.runtime.loss.SoftmaxCrossEntropy.Result loss =
                    org.netspec.runtime.loss.SoftmaxCrossEntropy.of(logits, labels, labelSmoothing);
            Map<String, INDArray> grads = tape.backward(logits, loss.gradient(), gradientBuffers.get());
            grads.replaceAll((k, v) -> v.detach());
            return new Gradients(loss.loss(), logits.detach(), grads);
        }
    }

    /** Bytes of this thread's activation-gradient buffers: the most any backward pass held at once. */
    long gradientBufferBytes() {
        return gradientBuffers.get().allocatedBytes();
    }

    /** The NetSpec layout of an NCHW batch, checked against the model's input shape. */
    public INDArray toModelLayout(INDArray images) {
        return toNhwc(images);
    }

    /**
     * Evaluation-mode logits for images as PyTorch users hold them: float32 {@code [N, C, H, W]}
     * (or {@code [N, F]} for flat inputs). Safe to call from several threads at once.
     */
    public INDArray predict(INDArray images) {
        return forward(toNhwc(images), new Context(Mode.EVAL));
    }

    /** {@link #predict}, timing every layer and op into {@code profile}. */
    public INDArray predict(INDArray images, Profile profile) {
        return forward(toNhwc(images), new Context(Mode.EVAL).profiled(profile));
    }

    /**
     * The named intermediate values of one evaluation pass over NCHW {@code images}: block
     * outputs ({@code layer2.1}), groups of blocks ({@code layer2}: the last block of the group)
     * and named layers ({@code conv1}), each NCHW ({@code [N, C, H, W]}, as {@code FEATURES} gives
     * their shapes), or {@code [N, F]} for flat values.
     */
    public Map<String, INDArray> features(INDArray images, String... names) {
        Map<String, String> resolved = new LinkedHashMap<>();
        for (String n : names) {
            resolved.put(n, resolve(n));
        }
        Context ctx = new Context(Mode.EVAL, Set.copyOf(resolved.values()));
        forward(toNhwc(images), ctx);
        Map<String, INDArray> out = new LinkedHashMap<>();
        // NCHW like the images (and like FEATURES' C x H x W shapes), not the run-time NHWC
        resolved.forEach((asked, path) -> {
            INDArray v = ctx.kept().get(path);
            out.put(asked, v.rank() == 4 ? v.permute(0, 3, 1, 2).dup('c') : v);
        });
        return out;
    }

    private String resolve(String feature) {
        String found = null;
        for (Layer l : layers) {
            if (l.path().equals(feature)) {
                return feature;
            }
        }
        for (String path : blockPaths()) {
            if (path.equals(feature)) {
                return feature;
            }
            if (path.startsWith(feature + ".") && path.indexOf('.', feature.length() + 1) < 0) {
                found = path; // the last direct member of a group
            }
        }
        if (found == null) {
            List<String> valid = new java.util.ArrayList<>(layers.stream().map(Layer::path).filter(p -> !p.contains("."))
                    .toList());
            valid.addAll(blockPaths());
            throw new InputException("no feature '" + feature + "' in " + name + "; it has " + valid);
        }
        return found;
    }

    private List<String> blockPaths() {
        return layers.stream().map(Layer::path).filter(p -> p.contains(".")).map(p -> p.substring(0, p.lastIndexOf('.')))
                .distinct().toList();
    }

    private INDArray toNhwc(INDArray images) {
        requireType(images);
        if (images.rank() == 0 || images.size(0) < 1) {
            throw new InputException(name + ": the batch is empty " + Arrays.toString(images.shape()));
        }
        long[] shape = images.shape();
        if (input.isSpatial()) {
            long[] expected = {-1, input.channels(), input.height(), input.width()};
            if (shape.length != 4 || shape[1] != expected[1] || shape[2] != expected[2] || shape[3] != expected[3]) {
                throw new InputException(name + " expects images of shape [N, " + input.channels() + ", "
                        + input.height() + ", " + input.width() + "] (NCHW), got " + Arrays.toString(shape));
            }
            return images.permute(0, 2, 3, 1).dup('c');
        }
        if (shape.length != 2 || shape[1] != input.channels()) {
            throw new InputException(name + " expects input of shape [N, " + input.channels() + "], got "
                    + Arrays.toString(shape));
        }
        return images;
    }

    /**
     * The spec's documentation of this model (its doc comment, else its network's); generated
     * classes return their spec's text, other models their name.
     */
    public String description() {
        return name;
    }

    /**
     * Runs one evaluation pass over a batch of one zero example and records every op it runs —
     * nothing folded or fused — with the arrays it read and wrote: the static graph of the network,
     * for exporters.
     */
    public Trace trace() {
        Trace trace = new Trace();
        INDArray x = Nd4j.zeros(parameters.dataType(), input.batch(1));
        // no workspace: the trace holds the pass's arrays (as names for its values) after it ends
        INDArray out = network.forward(x, Context.tracing(trace));
        trace.bounds(x, out);
        return trace;
    }

    /** Writes this model and its current weights as an ONNX file (opset 17), batch norms as nodes. */
    public ExportReport exportOnnx(java.nio.file.Path file) throws java.io.IOException {
        return exportOnnx(file, OnnxOptions.defaults());
    }

    /**
     * Writes this model and its current weights as an ONNX file (opset 17, IR version 8): input
     * {@code input}, NCHW float32 with a symbolic batch dimension, output {@code logits};
     * initializers named like the checkpoint's tensors. The file appears complete or not at all.
     *
     * @throws org.netspec.runtime.onnx.OnnxExportException when an op has no ONNX form (naming it)
     */
    public ExportReport exportOnnx(java.nio.file.Path file, OnnxOptions options) throws java.io.IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("netspec.model", name);
        metadata.put("netspec.input", input.toString());
        metadata.put("netspec.parameters", Long.toString(parameterCount()));
        ModelInfo info = new ModelInfo(name, input.dims(), outputShape().dims(), description(), metadata);
        return OnnxExporter.export(trace(), info, options, NetSpecVersion.VERSION, file);
    }

    /** Loads a checkpoint (torchvision, timm or NetSpec names) strictly: every tensor must match. */
    public LoadReport loadWeights(java.nio.file.Path file) throws java.io.IOException {
        return loadWeights(file, LoadOptions.strict());
    }

    /**
     * Loads a safetensors checkpoint. Every missing, unexpected or mis-shaped tensor is named in
     * one {@link IllegalArgumentException}; nothing is changed unless everything fits.
     */
    public LoadReport loadWeights(java.nio.file.Path file, LoadOptions options) throws java.io.IOException {
        return Checkpoints.load(parameters, file, options);
    }

    /** Writes every parameter and statistic as safetensors (PyTorch layout), atomically. */
    public void saveWeights(java.nio.file.Path file) throws java.io.IOException {
        Checkpoints.save(parameters, file, name);
    }

    /**
     * Writes every parameter and statistic in Flax's form — the variables {@code {params,
     * batch_stats}} as {@code flax.serialization.to_bytes} writes them, or, for a name ending in
     * {@code .safetensors}, a safetensors file with dotted Flax paths — so that a model fine-tuned
     * in Java goes back to JAX. Layer names are Flax module paths in specs that follow Flax's names
     * (models/src/main/net/flax_resnet.net).
     */
    public void saveFlaxWeights(java.nio.file.Path file) throws java.io.IOException {
        Checkpoints.saveFlax(parameters, file, name);
    }

    /** A per-layer table: name, op, output shape, parameters; then the total. */
    public String summary() {
        // the same table as `netspec summary`: layer, op, output, parameters, MACs, then totals
        StringBuilder out = new StringBuilder();
        int width = Math.max(5, layers.stream().mapToInt(l -> l.path().length()).max().orElse(5));
        String row = "%-" + width + "s  %-10s  %-14s  %14s  %16s%n";
        String rule = "-".repeat(width + 64) + "\n";
        out.append(String.format("%s on %s%n%n", name, input));
        out.append(String.format(row, "layer", "op", "output", "params", "MACs")).append(rule);
        for (Layer l : layers) {
            OpLayer op = (OpLayer) l;
            out.append(String.format(row, l.path(), op.op(), l.output(), count(op.parameterCount()), count(op.macs())));
        }
        out.append(rule).append(String.format(row, "total", "", outputShape(), String.format("%,d", parameterCount()),
                String.format("%,d", macs())));
        return out.toString();
    }

    private static String count(long n) {
        return n == 0 ? "" : String.format("%,d", n);
    }

    @Override
    public String toString() {
        return name + " (" + input + " -> " + outputShape() + ", " + parameterCount() + " parameters)";
    }
}
