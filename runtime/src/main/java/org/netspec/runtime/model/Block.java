package org.netspec.runtime.model;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.netspec.runtime.trace.Trace;

/**
 * Base of generated block and network classes: the constructor builds the layers and calls
 * {@link #setOutput}; {@link #compute} runs them. {@link #forward} also records the block's
 * output when feature extraction asks for it.
 */
public abstract class Block implements Layer {
    private final String path;
    private final String kind;
    private Shape output;

    protected Block(Builder b, String kind) {
        this.path = b.path();
        this.kind = kind;
    }

    protected final void setOutput(Shape output) {
        this.output = output;
    }

    /** Adds a layer built inside a loop to its list, and returns it. */
    protected static <L extends Layer> L keep(List<Layer> list, L layer) {
        list.add(layer);
        return layer;
    }

    protected abstract INDArray compute(INDArray x, Context ctx);

    @Override
    public final INDArray forward(INDArray x, Context ctx) {
        Trace trace = ctx.trace();
        if (trace == null) {
            int outer = ctx.enterBlock();
            try {
                return ctx.record(path, compute(x, ctx));
            } finally {
                ctx.exitBlock(outer);
            }
        }
        trace.enter(path);
        try {
            return compute(x, ctx);
        } finally {
            trace.exit();
        }
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public Shape output() {
        return output;
    }

    public String kind() {
        return kind;
    }

    @Override
    public String toString() {
        return kind + " " + (path.isEmpty() ? "(root)" : path) + " -> " + output;
    }
}
