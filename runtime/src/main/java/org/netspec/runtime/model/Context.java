package org.netspec.runtime.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.dnnl.Layout;
import org.netspec.runtime.trace.Trace;

/**
 * One forward pass: training or evaluation, and which named values to keep for feature
 * extraction. A context belongs to one thread and one call.
 */
public final class Context {
    private final Mode mode;
    private final Set<String> wanted;
    private final Map<String, INDArray> kept = new LinkedHashMap<>();
    private final Tape tape;
    private Profile profile;
    /** Outputs of convs and norms that fused the relu following them (compared by identity). */
    private final Map<INDArray, Boolean> rectified = new java.util.IdentityHashMap<>();
    /** Set for a pass that records its ops for an exporter; such a pass folds and fuses nothing. */
    private Trace trace;
    /**
     * Arrays whose bytes are in a layout oneDNN chose rather than NHWC (compared by identity);
     * every other array is NHWC. Ops that read by position get NHWC ({@link #plain}).
     */
    private final Map<INDArray, Layout> layouts = new java.util.IdentityHashMap<>();

    /**
     * Outputs not computed yet, by the array that will hold them (compared by identity): an
     * evaluation conv whose folded norm feeds a block's closing residual sum waits for that sum
     * ({@link #addReluLastUse}) to run with it; whatever else reads the array first runs the conv
     * on its own ({@link #settled}).
     */
    private final Map<INDArray, Deferred> deferred = new java.util.IdentityHashMap<>();

    /** A convolution waiting for the residual sum its output feeds. */
    interface Deferred {
        /** Computes the output as it is. */
        void run();

        /**
         * Computes {@code relu(output + residual)} into the output's array, {@code residual} (in the
         * output's layout) unchanged; false where this CPU has no fused kernel for it.
         */
        boolean runAdding(INDArray residual);
    }

    /** {@code out} is to be computed by {@code d} when first read. */
    void defer(INDArray out, Deferred d) {
        deferred.put(out, d);
    }

    /** {@code x}, computed now if it was {@link #defer deferred}: every op that reads an array asks for it. */
    INDArray settled(INDArray x) {
        if (!deferred.isEmpty()) {
            Deferred d = deferred.remove(x);
            if (d != null) {
                long t = start();
                d.run();
                stop("conv", "conv", t, x);
            }
        }
        return x;
    }

    /**
     * Whether convolutions may run in the layouts oneDNN prefers on this CPU: not for an
     * exporter's trace, nor with {@code -Dnetspec.layouts=nhwc} (to compare).
     */
    boolean choosesLayouts() {
        return trace == null && CHOOSE_LAYOUTS;
    }

    private static final boolean CHOOSE_LAYOUTS = !"nhwc".equals(System.getProperty("netspec.layouts"));

    /** The layout of {@code x}: null for NHWC. */
    Layout layout(INDArray x) {
        return layouts.get(x);
    }

    /** Notes that {@code x} holds its values in {@code layout}. */
    void laidOut(INDArray x, Layout layout) {
        if (layout != null && !layout.isNhwc()) {
            layouts.put(x, layout);
        }
    }

    /**
     * {@code x} in NHWC: itself when it already is, else a copy (recorded for backward). A layer's
     * output may be in a layout oneDNN chose; {@link Model} hands out NHWC, and so must code that
     * runs layers itself.
     */
    public INDArray nhwc(INDArray x) {
        return relayout(x, null);
    }

    /**
     * {@code x} in a layout it can share with {@code other} for an elementwise op: the one a
     * convolution chose when only one of them is NHWC (so that one shortcut in NHWC does not turn
     * the rest of the network back to NHWC), else NHWC.
     */
    private INDArray shared(INDArray x, INDArray other) {
        Layout mine = layout(x);
        Layout theirs = layout(other);
        if (mine == null && theirs != null) {
            return relayout(x, theirs);
        }
        return mine != null && theirs == null ? x : nhwc(x);
    }

    /**
     * {@code x} in layout {@code to} (null: NHWC): itself when it already is, else a copy that a
     * training pass records, so that its gradient goes back to {@code x}'s layout.
     */
    INDArray relayout(INDArray x, Layout to) {
        settled(x);
        Layout from = layout(x);
        Layout target = to == null || to.isNhwc() ? null : to;
        if (java.util.Objects.equals(from, target)) {
            return x;
        }
        Layout a = from != null ? from : Layout.nhwc(x);
        Layout b = target != null ? target : Layout.nhwc(x);
        INDArray y = a.reorder(x, b);
        laidOut(y, target);
        if (tape != null) {
            tape.record("reorder", y, new INDArray[] {x}, (g, p) -> new INDArray[] {b.reorder(g, a)});
        }
        return y;
    }

    public Context(Mode mode) {
        this(mode, Set.of(), null);
    }

    public Context(Mode mode, Set<String> wanted) {
        this(mode, wanted, null);
    }

    /** A pass that records onto {@code tape} for a backward pass (null: forward only). */
    public Context(Mode mode, Set<String> wanted, Tape tape) {
        this.mode = mode;
        this.wanted = Set.copyOf(wanted);
        this.tape = tape;
    }

    /** A training pass recording for backward. */
    public static Context training(Tape tape) {
        return new Context(Mode.TRAIN, Set.of(), tape);
    }

    /** An evaluation pass that records every op it runs onto {@code trace}, unfolded and unfused. */
    public static Context tracing(Trace trace) {
        Context ctx = new Context(Mode.EVAL);
        ctx.trace = trace;
        return ctx;
    }

    /** The trace this pass records onto, or null. */
    Trace trace() {
        return trace;
    }

    /** Records a parameterless op when tracing; returns its result. */
    private INDArray traced(String op, INDArray y, INDArray... inputs) {
        if (trace != null) {
            trace.op(op, y, inputs);
        }
        return y;
    }

    private Long passSeed;

    /**
     * Seeds this pass's randomness (dropout masks) from {@code seed} alone, so that a pass can be
     * replayed exactly, as a resumed training run must; unseeded passes draw fresh masks.
     */
    public Context seeded(long seed) {
        this.passSeed = seed;
        return this;
    }

    /** The pass's seed, or null when unseeded. */
    Long passSeed() {
        return passSeed;
    }

    /** Times every layer and op of this pass into {@code profile}. */
    public Context profiled(Profile profile) {
        this.profile = profile;
        return this;
    }

    Profile profile() {
        return profile;
    }

    /** Nanosecond clock when profiling, else 0 (so that an unprofiled pass reads no clock). */
    long start() {
        return profile == null ? 0 : System.nanoTime();
    }

    /** Ends a timed span begun at {@link #start()}. */
    <T> T stop(String layer, String op, long start, T result) {
        if (profile != null) {
            profile.add(layer, op, System.nanoTime() - start);
        }
        return result;
    }

    /** Notes that {@code x} is already rectified: a following {@link #relu} passes it through. */
    void rectified(INDArray x) {
        rectified.put(x, Boolean.TRUE);
    }

    /** The tape to record on, or null when no gradient is wanted. */
    Tape tape() {
        return tape;
    }

    public Mode mode() {
        return mode;
    }

    public boolean training() {
        return mode == Mode.TRAIN;
    }

    /** Whether feature extraction asked for the value named {@code path}. */
    boolean wants(String path) {
        return wanted.contains(path);
    }

    /** Keeps {@code value} under {@code path} when it was asked for; returns it either way. */
    public INDArray record(String path, INDArray value) {
        if (!wanted.isEmpty() && wanted.contains(path)) {
            settled(value);
            Layout l = layout(value);
            kept.put(path, l == null ? value : l.reorder(value, Layout.nhwc(value)));
        }
        return value;
    }

    public Map<String, INDArray> kept() {
        return kept;
    }

    // Parameterless ops go through the context, so that a training pass can record what
    // backward needs; generated code calls them as ctx.relu(y), ctx.add(y, shortcut).

    public INDArray relu(INDArray x) {
        settled(x);
        if (rectified.containsKey(x)) {
            return x; // the conv or norm that made x applied this relu itself (and handles its gradient)
        }
        long t = start();
        INDArray y = stop("relu", "relu", t, Tensors.relu(x));
        laidOut(y, layout(x));
        if (tape != null) {
            tape.record("relu", y, new INDArray[] {x}, (g, p) -> new INDArray[] {Tensors.reluBackwardInPlace(y, g)});
        }
        return traced("relu", y, x);
    }

    public INDArray sigmoid(INDArray x) {
        settled(x);
        long t = start();
        INDArray y = stop("sigmoid", "sigmoid", t, Tensors.sigmoid(x));
        laidOut(y, layout(x));
        if (tape != null) {
            tape.record("sigmoid", y, new INDArray[] {x}, (g, p) -> new INDArray[] {g.mul(y).muli(y.rsub(1))});
        }
        return traced("sigmoid", y, x);
    }

    public INDArray tanh(INDArray x) {
        settled(x);
        long t = start();
        INDArray y = stop("tanh", "tanh", t, Tensors.tanh(x));
        laidOut(y, layout(x));
        if (tape != null) {
            tape.record("tanh", y, new INDArray[] {x}, (g, p) -> new INDArray[] {g.mul(y.mul(y).rsubi(1))});
        }
        return traced("tanh", y, x);
    }

    public INDArray silu(INDArray x) {
        settled(x);
        long t = start();
        INDArray y = stop("silu", "silu", t, Tensors.silu(x));
        laidOut(y, layout(x));
        if (tape != null) {
            tape.record("silu", y, new INDArray[] {x}, (g, p) -> {
                INDArray s = Tensors.sigmoid(x);
                // d/dx x*s(x) = s + x*s*(1-s)
                return new INDArray[] {g.mul(s.add(x.mul(s).muli(s.rsub(1))))};
            });
        }
        return traced("silu", y, x);
    }

    public INDArray gelu(INDArray x) {
        settled(x);
        long t = start();
        INDArray y = stop("gelu", "gelu", t, Tensors.gelu(x));
        laidOut(y, layout(x));
        if (tape != null) {
            tape.record("gelu", y, new INDArray[] {x}, (g, p) -> {
                // d/dx x*Phi(x) = Phi(x) + x*phi(x), with Phi(x) = gelu(x)/x computed as 0.5*(1+erf(x/sqrt2))
                INDArray phi = org.nd4j.linalg.ops.transforms.Transforms.exp(x.mul(x).muli(-0.5), false)
                        .muli(1 / Math.sqrt(2 * Math.PI));
                INDArray cdf = x.div(Math.sqrt(2));
                Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.strict.Erf(cdf, cdf));
                cdf.addi(1).muli(0.5);
                return new INDArray[] {g.mul(cdf.addi(x.mul(phi)))};
            });
        }
        return traced("gelu", y, x);
    }

    public INDArray identity(INDArray x) {
        return traced("identity", x, x);
    }

    public INDArray add(INDArray a, INDArray b) {
        settled(a);
        settled(b);
        if (!java.util.Objects.equals(layout(a), layout(b))) {
            return add(shared(a, b), shared(b, a)); // elementwise: any layout, as long as both share it
        }
        long t = start();
        INDArray y = stop("add", "add", t, Tensors.add(a, b));
        laidOut(y, layout(a));
        if (tape != null) {
            tape.record("add", y, new INDArray[] {a, b}, (g, p) -> new INDArray[] {g, g});
        }
        return traced("add", y, a, b);
    }

    /** {@code relu(a + b)} as one op: generated code calls it for a residual block's end. */
    public INDArray addRelu(INDArray a, INDArray b) {
        settled(a);
        settled(b);
        if (!java.util.Objects.equals(layout(a), layout(b))) {
            return addRelu(shared(a, b), shared(b, a)); // elementwise: any layout, as long as both share it
        }
        return addRelu(a, b, false);
    }

    /**
     * {@code relu(a + b)} computed by the deferred conv that makes one side (a's when both are),
     * reading the other, which is left unchanged; null where neither is deferred or no fused
     * kernel exists (the caller then settles both and adds as usual).
     */
    private INDArray addReluInConv(INDArray a, INDArray b) {
        if (deferred.isEmpty() || a == b) {
            return null;
        }
        INDArray out = deferred.containsKey(a) ? a : deferred.containsKey(b) ? b : null;
        if (out == null) {
            return null;
        }
        INDArray residual = relayout(out == a ? b : a, layout(out)); // computes it, too, if deferred
        long t = start();
        if (!deferred.get(out).runAdding(residual)) {
            return null; // the caller's settled(out) runs the conv on its own
        }
        deferred.remove(out);
        return stop("add+relu", "conv+add+relu", t, out);
    }

    /** {@code relu(a + b)} of two arrays in one layout, into a new array or {@code over} a's memory. */
    private INDArray addRelu(INDArray a, INDArray b, boolean over) {
        long t = start();
        INDArray y = stop("add+relu", "add+relu", t, over ? Tensors.addReluOver(a, b) : Tensors.addRelu(a, b));
        laidOut(y, layout(a));
        if (tape != null) {
            tape.record("add+relu", y, new INDArray[] {a, b}, (g, p) -> {
                INDArray masked = Tensors.reluBackwardInPlace(y, g);
                return new INDArray[] {masked, masked};
            });
        }
        return traced("add+relu", y, a, b);
    }

    /**
     * {@code relu(a + b)} where this is {@code a}'s last use: generated code calls it for a block
     * that returns {@code relu(y + shortcut)}. A training pass then writes the result over {@code a}
     * — one activation less kept per residual block, as torchvision's in-place add and relu — when
     * nothing else can read it: {@code a} was made inside this block by an op whose backward does
     * not read its output (a batch norm), no recorded op has read it, and it is not a kept feature.
     * In evaluation, when a side is the output of a conv that waits for this sum ({@link
     * Fusion#residual}), that conv computes the sum and the relu into its output's memory.
     * Otherwise as {@link #addRelu}.
     */
    public INDArray addReluLastUse(INDArray a, INDArray b) {
        INDArray fused = addReluInConv(a, b);
        if (fused != null) {
            return fused;
        }
        settled(a);
        settled(b);
        if (!java.util.Objects.equals(layout(a), layout(b))) {
            return addReluLastUse(shared(a, b), shared(b, a));
        }
        boolean over = tape != null && !GradientBuffers.overlap(a, b) && !kept.containsValue(a)
                && tape.mayOverwrite(a, blockStart);
        return addRelu(a, b, over);
    }

    /** Index of the first tape step recorded inside the block now running. */
    private int blockStart;

    /** Marks the start of a block's ops (for {@link #addReluLastUse}); returns the outer block's mark. */
    int enterBlock() {
        int outer = blockStart;
        blockStart = tape == null ? 0 : tape.size();
        return outer;
    }

    void exitBlock(int outer) {
        blockStart = outer;
    }

    public INDArray multiply(INDArray a, INDArray b) {
        settled(a);
        settled(b);
        if (layout(a) != null || layout(b) != null) {
            return multiply(nhwc(a), nhwc(b)); // broadcasts by position
        }
        long t = start();
        INDArray y = stop("multiply", "multiply", t, Tensors.multiply(a, b));
        if (tape != null) {
            tape.record("multiply", y, new INDArray[] {a, b}, (g, p) -> new INDArray[] {
                    reduceTo(g.mul(b.broadcast(g.shape())), a), reduceTo(g.mul(a.broadcast(g.shape())), b)});
        }
        return traced("multiply", y, a, b);
    }

    /** Sums a gradient over the axes that {@code target} broadcast along (a C x 1 x 1 gate). */
    private static INDArray reduceTo(INDArray grad, INDArray target) {
        if (java.util.Arrays.equals(grad.shape(), target.shape())) {
            return grad;
        }
        return grad.sum(true, 1, 2);
    }
}
