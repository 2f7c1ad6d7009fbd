package org.netspec.runtime.model;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.netspec.runtime.dnnl.BatchNormTraining;
import org.netspec.runtime.dnnl.ConvBackward;
import org.netspec.runtime.dnnl.ConvForward;
import org.netspec.runtime.dnnl.ConvGeometry;
import org.netspec.runtime.dnnl.PoolForward;
import org.netspec.runtime.trace.Trace;

/**
 * The op layers {@link Builder} creates, on NHWC batches through libnd4j's native ops (oneDNN
 * for conv and pooling). Weights stay in PyTorch's layout, which the conv op reads directly
 * (weight format 1 = [out, in, kH, kW]), so loading a torchvision checkpoint needs no
 * re-layout and no call re-lays anything out in Java.
 */
final class Layers {
    private Layers() {}

    /** Common parts: name, output shape, feature recording. */
    abstract static class Op implements Layer {
        private final String path;
        private final Shape output;

        Op(String path, Shape output) {
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
            long t = ctx.start();
            INDArray y = ctx.record(path, ctx.stop(path, op(), t, apply(x, ctx)));
            Trace trace = ctx.trace();
            if (trace != null) {
                trace.layer(path, op(), java.util.List.of(x), y, attributes(), tensors());
            }
            return y;
        }

        abstract INDArray apply(INDArray x, Context ctx);

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

    /** A window's kernel, strides and explicit pads (top, bottom, left, right), for exporters. */
    private static Map<String, Object> window(Builder.Window w) {
        Map<String, Object> a = new java.util.HashMap<>();
        a.put("kernel", new int[] {w.kh(), w.kw()});
        a.put("strides", new int[] {w.sh(), w.sw()});
        a.put("pads", w.pads().clone());
        return a;
    }

    static final class Conv extends Op {
        private final Builder.Window w;
        private final int groups;
        private final INDArray weight;
        private final INDArray bias;

        private final Parameters parameters;
        private final ConvGeometry geometry;
        /** oneDNN primitives and their re-laid-out weights, by batch size (float32 only). */
        private final Map<Long, Kernel> kernels = new ConcurrentHashMap<>();

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
        }

        /** A primitive with the weights it was last prepared with, and their parameter version. */
        private record Kernel(ConvForward conv, INDArray weights, long version, boolean folded, ConvBackward backward) {}

        @Override
        String op() {
            return "conv";
        }

        @Override
        Map<String, Object> attributes() {
            Map<String, Object> a = window(w);
            a.put("dilations", new int[] {w.dh(), w.dw()});
            a.put("groups", groups);
            if (norm != null) {
                a.put("folds", norm.path()); // the norm that evaluation folds into this conv
            }
            return a;
        }

        @Override
        Map<String, INDArray> tensors() {
            Map<String, INDArray> t = new java.util.HashMap<>();
            t.put("weight", weight);
            if (bias != null) {
                t.put("bias", bias);
            }
            if (norm != null) {
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

        private BatchNorm norm;
        /** Whether the folded norm's output feeds only a relu, which then runs as a post-op. */
        private boolean fusedRelu;
        private INDArray[] folded;
        private long foldedVersion = -1;

        void fuseRelu() {
            fusedRelu = true;
        }

        void foldWith(BatchNorm norm) {
            this.norm = norm;
            norm.foldedInto = this;
        }

        /** W' = W * gamma / sqrt(var + eps) per output channel, b' = beta + (b - mean) * that scale. */
        private synchronized INDArray[] foldedWeights() {
            long version = parameters.version();
            if (folded == null || foldedVersion != version) {
                // Computed once and kept: outside any workspace, whose memory the next pass reuses.
                try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    fold();
                }
                foldedVersion = version;
            }
            return folded;
        }

        private void fold() {
            INDArray scale = norm.gamma.div(org.nd4j.linalg.ops.transforms.Transforms.sqrt(
                    norm.runningVar.add(norm.epsilon), false));
            INDArray w = weight.mul(scale.reshape(scale.length(), 1, 1, 1));
            INDArray b = (bias == null ? norm.runningMean.neg() : bias.sub(norm.runningMean)).muli(scale).addi(norm.beta);
            folded = new INDArray[] {w, b};
        }

        /**
         * Evaluation without gradients folds the following norm in — unless this conv's own output
         * was asked for as a feature, which folding would replace by the norm's.
         */
        boolean folding(Context ctx) {
            return norm != null && !ctx.training() && ctx.tape() == null && ctx.trace() == null && !ctx.wants(path());
        }

        @Override
        INDArray apply(INDArray x, Context ctx) {
            INDArray out;
            if (x.dataType() == DataType.FLOAT) {
                out = oneDnn(x, ctx);
            } else if (folding(ctx) && groups == 1) {
                INDArray[] f = foldedWeights();
                out = conv(x, f[0], f[1]);
            } else if (groups == 1) {
                out = conv(x, weight, bias);
            } else {
                // libnd4j's conv2d has no groups: run each group on its slice of channels.
                INDArray[] parts = new INDArray[groups];
                INDArray[] f = folding(ctx) ? foldedWeights() : new INDArray[] {weight, bias};
                for (int g = 0; g < groups; g++) {
                    parts[g] = conv(inSlice(x, g), outSlice(f[0], g), f[1] == null ? null : outSlice(f[1], g));
                }
                out = Nd4j.concat(3, parts);
            }
            Tape tape = ctx.tape();
            if (tape != null) {
                boolean leaf = tape.isLeaf(x);
                tape.record(op(), out, new INDArray[] {x}, (gradOut, grads) -> backward(x, gradOut, grads, !leaf));
            }
            return out;
        }

        /**
         * float32 through oneDNN directly. Evaluation keeps the primitive and its re-laid-out
         * weights until the parameters change; a training pass re-lays out the weights it is given.
         */
        private INDArray oneDnn(INDArray x, Context ctx) {
            boolean fold = folding(ctx);
            boolean training = ctx.tape() != null;
            long batch = x.size(0);
            long version = parameters.version();
            Kernel k = kernels.get(batch);
            ConvForward.Fused fused = fold && fusedRelu && !ctx.wants(norm.path()) ? ConvForward.Fused.RELU
                    : ConvForward.Fused.NONE;
            boolean fresh = k != null && !training && !k.conv.training() && k.version == version && k.folded == fold
                    && k.conv.fused() == fused;
            if (!fresh) {
                boolean reuse = k != null && k.conv.training() == training && k.conv.fused() == fused;
                ConvForward conv = reuse ? k.conv : new ConvForward(geometry, batch, true, training, fused);
                ConvBackward backward = !training ? null : reuse ? k.backward : new ConvBackward(conv, geometry, bias != null);
                k = new Kernel(conv, conv.prepare(fold ? foldedWeights()[0] : weight), version, fold, backward);
                // a training pass's weights live in its workspace: keep the primitives, not them
                kernels.put(batch, training ? new Kernel(conv, null, version, fold, backward) : k);
            }
            INDArray b = fold ? foldedWeights()[1] : bias != null ? bias : zeroBias();
            INDArray out = Nd4j.createUninitialized(DataType.FLOAT, batch, output().height(), output().width(),
                    output().channels());
            k.conv.run(x, k.weights, b, out);
            if (fused == ConvForward.Fused.RELU) {
                ctx.rectified(out);
            }
            return out;
        }

        private INDArray zeroBias;

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

        private INDArray[] backward(INDArray x, INDArray gradOut, java.util.Map<String, INDArray> grads,
                                    boolean needInputGradient) {
            INDArray gradIn;
            INDArray gradW;
            INDArray gradB;
            Kernel kernel = kernels.get(x.size(0));
            if (x.dataType() == DataType.FLOAT && kernel != null && kernel.backward != null
                    && oneDnnBackward(needInputGradient)) {
                INDArray[] g = kernel.backward.gradWeights(x, gradOut);
                gradW = g[0];
                gradB = g[1];
                gradIn = needInputGradient ? kernel.backward.gradInput(gradOut, kernel.backward.prepare(weight)) : null;
            } else if (groups == 1) {
                INDArray[] g = convBackward(x, weight, bias, gradOut);
                gradIn = g[0];
                gradW = g[1];
                gradB = g[2];
            } else {
                INDArray[] gi = new INDArray[groups];
                INDArray[] gw = new INDArray[groups];
                INDArray[] gb = new INDArray[groups];
                for (int k = 0; k < groups; k++) {
                    INDArray[] g = convBackward(inSlice(x, k), outSlice(weight, k), bias == null ? null : outSlice(bias, k),
                            outSlice3(gradOut, k));
                    gi[k] = g[0];
                    gw[k] = g[1];
                    gb[k] = g[2];
                }
                gradIn = Nd4j.concat(3, gi);
                gradW = Nd4j.concat(0, gw);
                gradB = bias == null ? null : Nd4j.concat(0, gb);
            }
            Tape.accumulate(grads, path() + ".weight", gradW);
            if (bias != null) {
                Tape.accumulate(grads, path() + ".bias", gradB);
            }
            return new INDArray[] {gradIn};
        }

        private INDArray inSlice(INDArray x, int g) {
            long per = x.size(3) / groups;
            return x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.interval(g * per, (g + 1) * per)).dup('c');
        }

        private INDArray outSlice(INDArray t, int g) {
            long per = t.size(0) / groups;
            return t.get(NDArrayIndex.interval(g * per, (g + 1) * per)).dup('c');
        }

        private INDArray outSlice3(INDArray t, int g) {
            long per = t.size(3) / groups;
            return t.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.interval(g * per, (g + 1) * per)).dup('c');
        }

        private boolean dilated() {
            return w.dh() > 1 || w.dw() > 1;
        }

        /**
         * libnd4j's float32 conv fails for dilation above 1, so a dilated kernel runs as the
         * equivalent undilated one with zeros between its taps.
         */
        private int[] args() {
            int kh = dilated() ? w.dh() * (w.kh() - 1) + 1 : w.kh();
            int kw = dilated() ? w.dw() * (w.kw() - 1) + 1 : w.kw();
            return new int[] {kh, kw, w.sh(), w.sw(), w.pads()[0], w.pads()[2], 1, 1, w.same() ? 1 : 0, 1, 1};
        }

        private INDArray spread(INDArray w4) {
            if (!dilated()) {
                return w4;
            }
            INDArray wide = Nd4j.zeros(w4.dataType(), w4.size(0), w4.size(1), w.dh() * (w.kh() - 1) + 1,
                    w.dw() * (w.kw() - 1) + 1);
            wide.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, w.dh(), wide.size(2)),
                    NDArrayIndex.interval(0, w.dw(), wide.size(3))).assign(w4);
            return wide;
        }

        private INDArray gather(INDArray gradWide) {
            if (!dilated()) {
                return gradWide;
            }
            return gradWide.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, w.dh(), gradWide.size(2)),
                    NDArrayIndex.interval(0, w.dw(), gradWide.size(3))).dup('c');
        }

        private INDArray conv(INDArray x, INDArray kernel, INDArray b) {
            INDArray w4 = spread(kernel);
            INDArray out = Nd4j.create(x.dataType(), x.size(0), output().height(), output().width(), w4.size(0));
            INDArray[] inputs = b == null ? new INDArray[] {x, w4} : new INDArray[] {x, w4, b};
            Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(inputs).addOutputs(out)
                    .addIntegerArguments(args()).build());
            return out;
        }

        /** libnd4j's conv2d_bp: gradients of input, weights and bias. */
        private INDArray[] convBackward(INDArray x, INDArray kernel, INDArray b, INDArray gradOut) {
            INDArray w4 = spread(kernel);
            INDArray gradIn = x.ulike();
            INDArray gradW = w4.ulike();
            INDArray gradB = b == null ? null : b.ulike();
            INDArray g = gradOut.dup('c');
            INDArray[] inputs = b == null ? new INDArray[] {x, w4, g} : new INDArray[] {x, w4, b, g};
            INDArray[] outputs = b == null ? new INDArray[] {gradIn, gradW} : new INDArray[] {gradIn, gradW, gradB};
            Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(inputs).addOutputs(outputs)
                    .addIntegerArguments(args()).build());
            return new INDArray[] {gradIn, gather(gradW), gradB};
        }
    }

    static final class BatchNorm extends Op {
        private final double momentum;
        private final double epsilon;
        private final INDArray gamma;
        private final INDArray beta;
        private final INDArray runningMean;
        private final INDArray runningVar;

        /** The running variance averages the biased batch variance (Flax) instead of the unbiased one (PyTorch). */
        private final boolean biasedVar;

        BatchNorm(String path, Shape output, double momentum, double epsilon, boolean biasedVar, INDArray gamma,
                  INDArray beta, INDArray runningMean, INDArray runningVar) {
            super(path, output);
            this.momentum = momentum;
            this.epsilon = epsilon;
            this.biasedVar = biasedVar;
            this.gamma = gamma;
            this.beta = beta;
            this.runningMean = runningMean;
            this.runningVar = runningVar;
        }

        @Override
        String op() {
            return "batchnorm";
        }

        @Override
        Map<String, Object> attributes() {
            return Map.of("epsilon", epsilon, "momentum", momentum);
        }

        @Override
        Map<String, INDArray> tensors() {
            return Map.of("weight", gamma, "bias", beta, "running_mean", runningMean, "running_var", runningVar);
        }

        @Override
        long parameterCount() {
            return gamma.length() + beta.length();
        }

        /** The conv this norm is folded into, when there is one. */
        Conv foldedInto;

        @Override
        INDArray apply(INDArray x, Context ctx) {
            if (foldedInto != null && foldedInto.folding(ctx)) {
                return x;
            }
            if (ctx.training() && x.dataType() == DataType.FLOAT && gamma.dataType() == DataType.FLOAT) {
                return oneDnn(x, ctx);
            }
            long channels = x.size(x.rank() - 1);
            INDArray rows = x.dup('c').reshape('c', x.length() / channels, channels);
            INDArray mean;
            INDArray var;
            boolean batchStats = ctx.training();
            if (batchStats) {
                mean = rows.mean(0);
                var = rows.var(false, 0); // normalise with the biased batch variance, as PyTorch does
                updateRunning(mean, var, rows.size(0));
            } else {
                mean = runningMean.castTo(x.dataType());
                var = runningVar.castTo(x.dataType());
            }
            INDArray invStd = org.nd4j.linalg.ops.transforms.Transforms.pow(var.add(epsilon), -0.5, false);
            INDArray xhat = rows.subRowVector(mean).muliRowVector(invStd);
            INDArray out = xhat.mulRowVector(gamma).addiRowVector(beta).reshape('c', x.shape());
            Tape tape = ctx.tape();
            if (tape != null) {
                tape.record(op(), out, new INDArray[] {x}, (gradOut, grads) -> {
                    INDArray g = gradOut.dup('c').reshape('c', rows.shape());
                    INDArray sumG = g.sum(0);
                    INDArray sumGX = g.mul(xhat).sum(0);
                    Tape.accumulate(grads, path() + ".weight", sumGX);
                    Tape.accumulate(grads, path() + ".bias", sumG);
                    INDArray dx;
                    if (batchStats) {
                        // dx = gamma*invStd/M * (M*g - sum(g) - xhat*sum(g*xhat))
                        long m = rows.size(0);
                        dx = g.mul(m).subiRowVector(sumG).subi(xhat.mulRowVector(sumGX))
                                .muliRowVector(gamma.mul(invStd).divi(m));
                    } else {
                        // frozen statistics: normalisation is a fixed affine map
                        dx = g.mulRowVector(gamma.mul(invStd));
                    }
                    return new INDArray[] {dx.reshape('c', x.shape())};
                });
            }
            return out;
        }

        /** Batch statistics through oneDNN (float32): one pass forward, one backward. */
        private final Map<java.util.List<Long>, BatchNormTraining> kernels = new ConcurrentHashMap<>();

        private INDArray oneDnn(INDArray x, Context ctx) {
            // conv -> batchnorm -> relu: the relu runs inside the norm, both ways, unless this
            // norm's own (unrectified) output was asked for
            boolean relu = foldedInto != null && foldedInto.fusedRelu && !ctx.wants(path());
            java.util.List<Long> key = new java.util.ArrayList<>(java.util.Arrays.stream(x.shape()).boxed().toList());
            key.add(relu ? 1L : 0L);
            BatchNormTraining bn = kernels.computeIfAbsent(key,
                    k -> new BatchNormTraining(x.shape(), (float) epsilon, relu));
            INDArray[] r = bn.forward(x, gamma, beta);
            if (relu) {
                ctx.rectified(r[0]);
            }
            INDArray mean = r[1];
            INDArray var = r[2];
            updateRunning(mean, var, x.length() / x.size(x.rank() - 1));
            Tape tape = ctx.tape();
            if (tape != null) {
                tape.record(op(), r[0], new INDArray[] {x}, (gradOut, grads) -> {
                    INDArray[] g = bn.backward(x, gradOut, gamma, mean, var, r[3]);
                    Tape.accumulate(grads, path() + ".weight", g[1]);
                    Tape.accumulate(grads, path() + ".bias", g[2]);
                    return new INDArray[] {g[0]};
                });
            }
            return r[0];
        }

        /**
         * running = (1 - momentum) running + momentum batch; PyTorch averages the unbiased batch
         * variance, Flax the biased one (with its momentum = 1 - this momentum).
         */
        private synchronized void updateRunning(INDArray mean, INDArray var, long n) {
            INDArray batchVar = n > 1 && !biasedVar ? var.mul((double) n / (n - 1)) : var;
            runningMean.muli(1 - momentum).addi(mean.castTo(runningMean.dataType()).mul(momentum));
            runningVar.muli(1 - momentum).addi(batchVar.castTo(runningVar.dataType()).mul(momentum));
        }
    }

    static final class Dense extends Op {
        private final INDArray weight;
        private final INDArray bias;

        Dense(String path, Shape output, INDArray weight, INDArray bias) {
            super(path, output);
            this.weight = weight;
            this.bias = bias;
        }

        @Override
        String op() {
            return "dense";
        }

        @Override
        Map<String, INDArray> tensors() {
            return bias == null ? Map.of("weight", weight) : Map.of("weight", weight, "bias", bias);
        }

        @Override
        long parameterCount() {
            return weight.length() + (bias == null ? 0 : bias.length());
        }

        @Override
        long macs() {
            return weight.length();
        }

        @Override
        INDArray apply(INDArray x, Context ctx) {
            INDArray out = Nd4j.gemm(x, weight, false, true); // x W^T without copying W transposed
            if (bias != null) {
                out.addiRowVector(bias);
            }
            Tape tape = ctx.tape();
            if (tape != null) {
                tape.record(op(), out, new INDArray[] {x}, (g, grads) -> {
                    Tape.accumulate(grads, path() + ".weight", g.transpose().mmul(x));
                    if (bias != null) {
                        Tape.accumulate(grads, path() + ".bias", g.sum(0));
                    }
                    return new INDArray[] {g.mmul(weight)};
                });
            }
            return out;
        }
    }

    static final class Pool extends Op {
        private final Builder.Window w;
        private final boolean max;

        private final ConvGeometry geometry;
        /** oneDNN evaluation primitives by batch size (float32). */
        private final Map<Long, PoolForward> kernels = new ConcurrentHashMap<>();

        Pool(String path, Shape input, Shape output, Builder.Window w, boolean max) {
            super(path, output);
            this.w = w;
            this.max = max;
            this.geometry = new ConvGeometry(input.channels(), input.height(), input.width(), output.channels(),
                    output.height(), output.width(), w.kh(), w.kw(), w.sh(), w.sw(), w.pads(), 1, 1, 1);
        }

        @Override
        String op() {
            return max ? "maxpool" : "avgpool";
        }

        @Override
        Map<String, Object> attributes() {
            Map<String, Object> a = window(w);
            a.put("count_include_pad", !max); // as PyTorch's default, and the kernels above
            return a;
        }

        @Override
        INDArray apply(INDArray x, Context ctx) {
            if (ctx.tape() == null && x.dataType() == DataType.FLOAT) {
                return kernels.computeIfAbsent(x.size(0), n -> new PoolForward(geometry, n, max)).run(x);
            }
            INDArray out = Nd4j.create(x.dataType(), x.size(0), output().height(), output().width(), x.size(3));
            // extra argument 9: for average pooling, 1 counts padded cells like PyTorch's count_include_pad.
            int[] args = {w.kh(), w.kw(), w.sh(), w.sw(), w.pads()[0], w.pads()[2], 1, 1, w.same() ? 1 : 0, max ? 0 : 1, 1};
            Nd4j.exec(DynamicCustomOp.builder(max ? "maxpool2d" : "avgpool2d").addInputs(x).addOutputs(out)
                    .addIntegerArguments(args).build());
            Tape tape = ctx.tape();
            if (tape != null) {
                tape.record(op(), out, new INDArray[] {x}, (g, grads) -> {
                    INDArray gradIn = x.ulike();
                    Nd4j.exec(DynamicCustomOp.builder(max ? "maxpool2d_bp" : "avgpool2d_bp").addInputs(x, g.dup('c'))
                            .addOutputs(gradIn).addIntegerArguments(args).build());
                    return new INDArray[] {gradIn};
                });
            }
            return out;
        }
    }

    static final class Mean extends Op {
        private final boolean keepdims;

        Mean(String path, Shape output, boolean keepdims) {
            super(path, output);
            this.keepdims = keepdims;
        }

        @Override
        String op() {
            return "mean";
        }

        @Override
        Map<String, Object> attributes() {
            return Map.of("keepdims", keepdims);
        }

        @Override
        INDArray apply(INDArray x, Context ctx) {
            INDArray m = x.mean(1, 2);
            INDArray out = keepdims ? m.reshape(x.size(0), 1, 1, x.size(3)) : m;
            Tape tape = ctx.tape();
            if (tape != null) {
                double cells = x.size(1) * x.size(2);
                tape.record(op(), out, new INDArray[] {x}, (g, grads) -> {
                    // every cell of a channel gets that channel's gradient / cells
                    INDArray perCell = g.reshape(x.size(0), 1, x.size(3)).div(cells);
                    INDArray dx = Nd4j.createUninitialized(x.dataType(), x.size(0), x.size(1) * x.size(2), x.size(3));
                    org.nd4j.linalg.factory.Broadcast.copy(dx, perCell.reshape(x.size(0), x.size(3)), dx, 0, 2);
                    return new INDArray[] {dx.reshape(x.shape())};
                });
            }
            return out;
        }
    }

    /** Flattens in PyTorch's C, H, W order, so dense weights from torchvision line up. */
    static final class Flatten extends Op {
        Flatten(String path, Shape output) {
            super(path, output);
        }

        @Override
        String op() {
            return "flatten";
        }

        @Override
        INDArray apply(INDArray x, Context ctx) {
            if (x.rank() == 2) {
                return x;
            }
            INDArray out = x.permute(0, 3, 1, 2).dup('c').reshape(x.size(0), x.length() / x.size(0));
            Tape tape = ctx.tape();
            if (tape != null) {
                tape.record(op(), out, new INDArray[] {x}, (g, grads) -> new INDArray[] {
                        g.reshape(x.size(0), x.size(3), x.size(1), x.size(2)).permute(0, 2, 3, 1).dup('c')});
            }
            return out;
        }
    }

    static final class Dropout extends Op {
        private final double rate;
        private final long seed;
        private long calls;

        Dropout(String path, Shape output, double rate, long seed) {
            super(path, output);
            this.rate = rate;
            this.seed = seed;
        }

        @Override
        String op() {
            return "dropout";
        }

        @Override
        INDArray apply(INDArray x, Context ctx) {
            if (!ctx.training() || rate == 0) {
                return x;
            }
            SplittableRandom random;
            Long passSeed = ctx.passSeed();
            if (passSeed != null) {
                random = new SplittableRandom(seed ^ new SplittableRandom(passSeed).nextLong()); // replayable
            } else {
                synchronized (this) {
                    random = new SplittableRandom(seed ^ (calls++ * 0x9E3779B97F4A7C15L));
                }
            }
            float[] mask = new float[Math.toIntExact(x.length())];
            float keep = (float) (1 / (1 - rate));
            for (int i = 0; i < mask.length; i++) {
                mask[i] = random.nextDouble() < rate ? 0 : keep;
            }
            INDArray m = Nd4j.create(mask, x.shape(), 'c').castTo(x.dataType());
            INDArray out = x.mul(m);
            Tape tape = ctx.tape();
            if (tape != null) {
                tape.record(op(), out, new INDArray[] {x}, (g, grads) -> new INDArray[] {g.mul(m)});
            }
            return out;
        }
    }
}
