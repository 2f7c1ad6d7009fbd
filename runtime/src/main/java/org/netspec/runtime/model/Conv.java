package org.netspec.runtime.model;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.dnnl.ConvBackward;
import org.netspec.runtime.dnnl.ConvForward;
import org.netspec.runtime.dnnl.Dnnl;
import org.netspec.runtime.dnnl.ConvGeometry;

/**
 * A 2-D convolution on NHWC batches: float32 through oneDNN, other types through libnd4j
 * ({@code Nd4jConv}). Weights stay in PyTorch's layout, which both read directly (weight format
 * 1 = [out, in/groups, kH, kW]), so loading a torchvision checkpoint needs no re-layout and no
 * call re-lays anything out in Java. A batch norm {@link Builder#fold folded} into it is applied
 * through its weights and bias in evaluation.
 */
public final class Conv extends OpLayer {
    private final Builder.Window w;
    private final int groups;
    private final INDArray weight;
    private final INDArray bias;

    private final Parameters parameters;
    private final ConvGeometry geometry;
    private final Nd4jConv nd4j;
    /** oneDNN primitives and their re-laid-out weights, by batch size and training or not (float32 only). */
    private final Map<java.util.List<Object>, Kernel> kernels = new ConcurrentHashMap<>();
    /**
     * Evaluation primitives that add a residual and apply the relu ({@link Fusion#residual}), by
     * batch size: the twin of the plain primitive {@code of}, with its weights ({@code conv} null
     * where oneDNN has no optimised kernel for it).
     */
    private final Map<Long, Residual> residuals = new ConcurrentHashMap<>();

    private record Residual(ConvForward of, ConvForward conv, INDArray weights, long version) {}

    /** The norm folded into this conv and whether its relu is fused, when there is one. */
    private Fusion fusion;
    private INDArray[] folded;
    private long foldedVersion = -1;
    private INDArray zeroBias;

    Conv(String path, Shape input, Shape output, Builder.Window w, int groups, INDArray weight, INDArray bias,
         Parameters parameters) {
        super(path, output);
        this.w = w;
        this.groups = groups;
        this.weight = weight;
        this.bias = bias;
        this.parameters = parameters;
        this.geometry = new ConvGeometry(input.channels(), input.height(), input.width(), output.channels(),
                output.height(), output.width(), w.kh(), w.kw(), w.sh(), w.sw(), w.pads(), w.dh(), w.dw(), groups);
        this.nd4j = new Nd4jConv(w, groups);
    }

    /** A primitive with the weights it was last prepared with, and their parameter version. */
    private record Kernel(ConvForward conv, INDArray weights, long version, boolean folded, ConvBackward backward,
                          boolean layoutsAsked) {}

    void plan(Fusion fusion) {
        this.fusion = fusion;
    }

    Fusion fusion() {
        return fusion;
    }

    @Override
    String op() {
        return "conv";
    }

    @Override
    Map<String, Object> attributes() {
        Map<String, Object> a = w.attributes();
        a.put("dilations", new int[] {w.dh(), w.dw()});
        a.put("groups", groups);
        if (fusion != null) {
            a.put("folds", fusion.norm().path()); // the norm that evaluation folds into this conv
        }
        return a;
    }

    @Override
    Map<String, INDArray> tensors() {
        Map<String, INDArray> t = new HashMap<>();
        t.put("weight", weight);
        if (bias != null) {
            t.put("bias", bias);
        }
        if (fusion != null) {
            INDArray[] f = foldedWeights();
            t.put("folded_weight", f[0]);
            t.put("folded_bias", f[1]);
        }
        return t;
    }

    @Override
    long parameterCount() {
        return weight.length() + (bias == null ? 0 : bias.length());
    }

    @Override
    long macs() {
        // weight is [out, in/groups, kh, kw]: every output position takes one MAC per weight
        return (long) output().height() * output().width() * weight.length();
    }

    /** The folded weights and bias, computed once per parameter version. */
    private synchronized INDArray[] foldedWeights() {
        long version = parameters.version();
        if (folded == null || foldedVersion != version) {
            // Computed once and kept: outside any workspace, whose memory the next pass reuses.
            try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                folded = fusion.norm().fold(weight, bias);
            }
            foldedVersion = version;
        }
        return folded;
    }

    private boolean folding(Context ctx) {
        return fusion != null && fusion.folds(ctx);
    }

    @Override
    boolean takesAnyLayout() {
        return true;
    }

    @Override
    INDArray apply(INDArray x, Context ctx) {
        Tape tape = ctx.tape();
        boolean leaf = tape != null && tape.isLeaf(x);
        INDArray out;
        if (x.dataType() == DataType.FLOAT) {
            INDArray[] ran = oneDnn(x, ctx, leaf);
            x = ran[0];
            out = ran[1];
        } else {
            INDArray[] f = folding(ctx) ? foldedWeights() : new INDArray[] {weight, bias};
            out = nd4j.forward(x, f[0], f[1]);
        }
        if (tape != null) {
            INDArray in = x;
            tape.record(op(), out, new INDArray[] {in}, (gradOut, grads) -> backward(in, gradOut, grads, !leaf));
        }
        return out;
    }

    /**
     * float32 through oneDNN directly, in the layouts it prefers on this CPU (NHWC where a
     * backward step could need libnd4j's NHWC convolution instead): {input as run, output}.
     * Evaluation keeps the primitive and its re-laid-out weights until the parameters change; a
     * training pass re-lays out the weights it is given.
     */
    private INDArray[] oneDnn(INDArray x, Context ctx, boolean leaf) {
        boolean fold = folding(ctx);
        boolean training = ctx.tape() != null;
        boolean choose = ctx.choosesLayouts() && (!training || oneDnnBackward(!leaf));
        long batch = x.size(0);
        long version = parameters.version();
        // training and evaluation primitives side by side: a run that evaluates between epochs
        // must not rebuild (and drop) them at every switch
        java.util.List<Object> key = java.util.List.of(batch, training);
        Kernel k = kernels.get(key);
        ConvForward.Fused fused = fold && fusion.relu() && !ctx.wants(fusion.norm().path()) ? ConvForward.Fused.RELU
                : ConvForward.Fused.NONE;
        boolean fresh = k != null && !training && !k.conv.training() && k.version == version && k.folded == fold
                && k.conv.fused() == fused && k.layoutsAsked == choose;
        if (!fresh) {
            boolean reuse = k != null && k.conv.training() == training && k.conv.fused() == fused
                    && k.layoutsAsked == choose;
            ConvForward conv = reuse ? k.conv : new ConvForward(geometry, batch, true, training, fused, choose);
            ConvBackward backward = !training ? null
                    : reuse ? k.backward : new ConvBackward(conv, geometry, bias != null);
            if (!reuse && backward != null && choose && backward.reference()) {
                conv = new ConvForward(geometry, batch, true, training, fused, false);
                backward = new ConvBackward(conv, geometry, bias != null);
            }
            // a training pass's weights change every step: keep the primitives, not them
            k = new Kernel(conv, training ? null : conv.prepare(fold ? foldedWeights()[0] : weight), version, fold,
                    backward, choose);
            kernels.put(key, k);
        }
        x = ctx.relayout(x, k.conv.srcLayout());
        INDArray b = fold ? foldedWeights()[1] : bias != null ? bias : zeroBias();
        INDArray out = Dnnl.uninitialized(batch, output().height(), output().width(), output().channels());
        ctx.laidOut(out, k.conv.dstLayout());
        if (fold && fused == ConvForward.Fused.NONE && fusion.residual() && !ctx.wants(fusion.norm().path())) {
            // run when the block's sum is taken, with the sum and the relu inside the conv
            Kernel plain = k;
            INDArray in = x;
            ctx.defer(out, new Context.Deferred() {
                @Override
                public void run() {
                    plain.conv.run(in, plain.weights, b, out);
                }

                @Override
                public boolean runAdding(INDArray residual) {
                    Residual r = residual(plain, version);
                    if (r.conv == null) {
                        return false;
                    }
                    r.conv.runAdding(in, r.weights, b, residual, out);
                    return true;
                }
            });
            return new INDArray[] {x, out};
        }
        if (training) {
            // the re-laid-out weights and the scratchpad are dead once the conv has run: not kept
            // in the pass's workspace until the step ends
            try (var scratch = Nd4j.getWorkspaceManager().getAndActivateWorkspace(Tape.SCRATCH, "netspec-forward-op")) {
                k.conv.run(x, k.conv.prepare(weight), b, out);
            }
        } else {
            k.conv.run(x, k.weights, b, out);
        }
        if (fused == ConvForward.Fused.RELU) {
            ctx.rectified(out);
        }
        return new INDArray[] {x, out};
    }

    /** The residual-adding twin of the evaluation kernel {@code plain}, built once per parameter version. */
    private Residual residual(Kernel plain, long version) {
        return residuals.compute(plain.conv.batch(), (batch, r) -> {
            boolean same = r != null && r.of == plain.conv;
            if (same && (r.conv == null || r.version == version)) {
                return r;
            }
            ConvForward fusedConv = same ? r.conv : plain.conv.withResidual();
            if (fusedConv == null) {
                return new Residual(plain.conv, null, null, version);
            }
            INDArray w = fusedConv.readsWeightsOf(plain.conv) ? plain.weights : fusedConv.prepare(foldedWeights()[0]);
            return new Residual(plain.conv, fusedConv, w, version);
        });
    }

    private synchronized INDArray zeroBias() {
        if (zeroBias == null) {
            try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                zeroBias = Nd4j.zeros(DataType.FLOAT, output().channels());
            }
        }
        return zeroBias;
    }

    /**
     * oneDNN 2.5's AVX2 backward-data convolution crashes on NHWC with fewer than 8 output
     * channels (seen with 1 -> 4); channel counts that fill its 8-wide blocks are safe.
     */
    private boolean oneDnnBackward(boolean needInputGradient) {
        return !needInputGradient || geometry.inC() % 8 == 0 && geometry.outC() % 8 == 0;
    }

    private INDArray[] backward(INDArray x, INDArray gradOut, Map<String, INDArray> grads, boolean needInputGradient) {
        INDArray gradIn;
        INDArray gradW;
        INDArray gradB;
        Kernel kernel = kernels.get(java.util.List.of(x.size(0), true));
        if (x.dataType() == DataType.FLOAT && kernel != null && kernel.backward != null
                && oneDnnBackward(needInputGradient)) {
            INDArray[] g = kernel.backward.gradWeights(x, gradOut,
                    Tape.parameterGradientArray(DataType.FLOAT, weight.shape()));
            gradW = g[0];
            gradB = g[1];
            gradIn = needInputGradient ? kernel.backward.gradInput(gradOut, kernel.backward.prepare(weight),
                    Tape.gradientArray(DataType.FLOAT, x.shape())) : null;
        } else {
            INDArray[] g = nd4j.backward(x, weight, bias, gradOut);
            gradIn = g[0];
            gradW = g[1];
            gradB = g[2];
        }
        Tape.accumulate(grads, path() + ".weight", gradW);
        if (bias != null) {
            Tape.accumulate(grads, path() + ".bias", gradB);
        }
        return new INDArray[] {gradIn};
    }
}
