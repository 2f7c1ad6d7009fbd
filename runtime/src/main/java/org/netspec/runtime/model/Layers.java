package org.netspec.runtime.model;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

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
            return ctx.record(path, apply(x, ctx));
        }

        abstract INDArray apply(INDArray x, Context ctx);

        /** Parameters of this layer, for summaries. */
        long parameterCount() {
            return 0;
        }

        abstract String op();

        @Override
        public String toString() {
            return op() + " " + path + " -> " + output;
        }
    }

    static final class Conv extends Op {
        private final Builder.Window w;
        private final int groups;
        private final INDArray weight;
        private final INDArray bias;

        Conv(String path, Shape output, Builder.Window w, int groups, INDArray weight, INDArray bias) {
            super(path, output);
            this.w = w;
            this.groups = groups;
            this.weight = weight;
            this.bias = bias;
        }

        @Override
        String op() {
            return "conv";
        }

        @Override
        long parameterCount() {
            return weight.length() + (bias == null ? 0 : bias.length());
        }

        @Override
        INDArray apply(INDArray x, Context ctx) {
            if (groups == 1) {
                return conv(x, weight, bias);
            }
            // libnd4j's conv2d has no groups: run each group on its slice of channels.
            long inPer = x.size(3) / groups;
            long outPer = weight.size(0) / groups;
            INDArray[] parts = new INDArray[groups];
            for (int g = 0; g < groups; g++) {
                INDArray xs = x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.interval(g * inPer, (g + 1) * inPer)).dup('c');
                INDArray ws = weight.get(NDArrayIndex.interval(g * outPer, (g + 1) * outPer)).dup('c');
                INDArray bs = bias == null ? null : bias.get(NDArrayIndex.interval(g * outPer, (g + 1) * outPer)).dup('c');
                parts[g] = conv(xs, ws, bs);
            }
            return Nd4j.concat(3, parts);
        }

        private INDArray conv(INDArray x, INDArray w4, INDArray b) {
            INDArray out = Nd4j.create(DataType.FLOAT, x.size(0), output().height(), output().width(), w4.size(0));
            DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d").addInputs(x, w4);
            if (b != null) {
                op.addInputs(b);
            }
            Nd4j.exec(op.addOutputs(out).addIntegerArguments(w.kh(), w.kw(), w.sh(), w.sw(), w.pads()[0], w.pads()[2],
                    w.dh(), w.dw(), w.same() ? 1 : 0, 1, 1).build());
            return out;
        }
    }

    static final class BatchNorm extends Op {
        private final double momentum;
        private final double epsilon;
        private final INDArray gamma;
        private final INDArray beta;
        private final INDArray runningMean;
        private final INDArray runningVar;

        BatchNorm(String path, Shape output, double momentum, double epsilon, INDArray gamma, INDArray beta,
                  INDArray runningMean, INDArray runningVar) {
            super(path, output);
            this.momentum = momentum;
            this.epsilon = epsilon;
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
        long parameterCount() {
            return gamma.length() + beta.length();
        }

        @Override
        INDArray apply(INDArray x, Context ctx) {
            long channels = x.size(x.rank() - 1);
            INDArray rows = x.dup('c').reshape('c', x.length() / channels, channels);
            INDArray mean;
            INDArray var;
            if (ctx.training()) {
                mean = rows.mean(0);
                var = rows.var(false, 0); // normalise with the biased batch variance, as PyTorch does
                long n = rows.size(0);
                INDArray unbiased = n > 1 ? var.mul((double) n / (n - 1)) : var;
                synchronized (this) {
                    runningMean.muli(1 - momentum).addi(mean.mul(momentum));
                    runningVar.muli(1 - momentum).addi(unbiased.mul(momentum));
                }
            } else {
                mean = runningMean;
                var = runningVar;
            }
            INDArray scale = gamma.div(org.nd4j.linalg.ops.transforms.Transforms.sqrt(var.add(epsilon), false));
            INDArray shift = beta.sub(mean.mul(scale));
            return rows.muliRowVector(scale).addiRowVector(shift).reshape('c', x.shape());
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
        long parameterCount() {
            return weight.length() + (bias == null ? 0 : bias.length());
        }

        @Override
        INDArray apply(INDArray x, Context ctx) {
            INDArray out = x.mmul(weight.transpose());
            return bias == null ? out : out.addiRowVector(bias);
        }
    }

    static final class Pool extends Op {
        private final Builder.Window w;
        private final boolean max;

        Pool(String path, Shape output, Builder.Window w, boolean max) {
            super(path, output);
            this.w = w;
            this.max = max;
        }

        @Override
        String op() {
            return max ? "maxpool" : "avgpool";
        }

        @Override
        INDArray apply(INDArray x, Context ctx) {
            INDArray out = Nd4j.create(DataType.FLOAT, x.size(0), output().height(), output().width(), x.size(3));
            // extra argument 9: for average pooling, 1 counts padded cells like PyTorch's count_include_pad.
            Nd4j.exec(DynamicCustomOp.builder(max ? "maxpool2d" : "avgpool2d").addInputs(x).addOutputs(out)
                    .addIntegerArguments(w.kh(), w.kw(), w.sh(), w.sw(), w.pads()[0], w.pads()[2], 1, 1,
                            w.same() ? 1 : 0, max ? 0 : 1, 1).build());
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
        INDArray apply(INDArray x, Context ctx) {
            INDArray m = x.mean(1, 2);
            return keepdims ? m.reshape(x.size(0), 1, 1, x.size(3)) : m;
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
            return x.permute(0, 3, 1, 2).dup('c').reshape(x.size(0), x.length() / x.size(0));
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
            synchronized (this) {
                random = new SplittableRandom(seed ^ (calls++ * 0x9E3779B97F4A7C15L));
            }
            float[] mask = new float[Math.toIntExact(x.length())];
            float keep = (float) (1 / (1 - rate));
            for (int i = 0; i < mask.length; i++) {
                mask[i] = random.nextDouble() < rate ? 0 : keep;
            }
            return x.mul(Nd4j.create(mask, x.shape(), 'c'));
        }
    }
}
