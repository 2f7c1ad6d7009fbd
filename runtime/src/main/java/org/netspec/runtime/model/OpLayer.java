package org.netspec.runtime.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.netspec.runtime.trace.Trace;

/**
 * The base of the op layers {@link Builder} creates, on NHWC batches through libnd4j's native ops
 * (oneDNN for conv, batch norm and pooling): name, output shape, feature recording and tracing.
 */
abstract class OpLayer implements Layer {
    private final String path;
    private final Shape output;

    OpLayer(String path, Shape output) {
        this.path = path;
        this.output = output;
    }

    @Override
    public final String path() {
        return path;
    }

    @Override
    public final Shape output() {
        return output;
    }

    @Override
    public final INDArray forward(INDArray x, Context ctx) {
        if (readsInput(ctx)) {
            ctx.settled(x);
        }
        if (!takesAnyLayout()) {
            x = ctx.nhwc(x);
        }
        long t = ctx.start();
        INDArray y = ctx.record(path, ctx.stop(path, op(), t, apply(x, ctx)));
        Trace trace = ctx.trace();
        if (trace != null) {
            trace.layer(path, op(), List.of(x), y, attributes(), tensors());
        }
        return y;
    }

    abstract INDArray apply(INDArray x, Context ctx);

    /**
     * Whether this pass reads the input's values (a norm folded into the conv before it passes
     * them through unread); if so, an input whose computation was {@link Context#defer deferred}
     * is computed first.
     */
    boolean readsInput(Context ctx) {
        return true;
    }

    /**
     * Whether {@link #apply} takes its input in whatever layout it comes (see {@link Context#layout});
     * other layers get NHWC.
     */
    boolean takesAnyLayout() {
        return false;
    }

    /** Resolved settings, for exporters: kernel, strides, pads (top, bottom, left, right), ... */
    Map<String, Object> attributes() {
        return Map.of();
    }

    /** The layer's tensors by role ({@code weight}, {@code running_var}), named {@code path.role}. */
    Map<String, INDArray> tensors() {
        return Map.of();
    }

    /** Parameters of this layer, for summaries. */
    long parameterCount() {
        return 0;
    }

    /** Multiply-accumulates of one example's forward pass (conv and dense layers only). */
    long macs() {
        return 0;
    }

    abstract String op();

    @Override
    public String toString() {
        return op() + " " + path + " -> " + output;
    }
}
