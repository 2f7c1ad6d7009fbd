package org.netspec.runtime.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.netspec.runtime.dnnl.BatchNormTraining;
import org.netspec.runtime.dnnl.Layout;

/**
 * Batch norm over the last (channel) axis: batch statistics in training, which also update the
 * running ones, running statistics in evaluation. When {@link Builder#fold folded} into the conv
 * before it, evaluation leaves it to that conv and passes values through.
 */
public final class BatchNorm extends OpLayer {
    private final double momentum;
    private final double epsilon;
    private final INDArray gamma;
    private final INDArray beta;
    private final INDArray runningMean;
    private final INDArray runningVar;

    /** The running variance averages the biased batch variance (Flax) instead of the unbiased one (PyTorch). */
    private final boolean biasedVar;

    /** Batch statistics through oneDNN (float32): one pass forward, one backward. */
    private final Map<List<Object>, BatchNormTraining> kernels = new ConcurrentHashMap<>();

    /** The conv this norm is folded into and whether its relu is fused, when there is one. */
    private Fusion fusion;

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

    void plan(Fusion fusion) {
        this.fusion = fusion;
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

    /**
     * A conv's weight and bias (or null) with this norm's running statistics folded in:
     * W' = W * gamma / sqrt(var + eps) per output channel, b' = beta + (b - mean) * that scale.
     */
    INDArray[] fold(INDArray weight, INDArray bias) {
        INDArray scale = gamma.div(Transforms.sqrt(runningVar.add(epsilon), false));
        INDArray w = weight.mul(scale.reshape(scale.length(), 1, 1, 1));
        INDArray b = (bias == null ? runningMean.neg() : bias.sub(runningMean)).muli(scale).addi(beta);
        return new INDArray[] {w, b};
    }

    @Override
    boolean takesAnyLayout() {
        return true;
    }

    @Override
    boolean readsInput(Context ctx) {
        return fusion == null || !fusion.folds(ctx);
    }

    @Override
    INDArray apply(INDArray x, Context ctx) {
        if (fusion != null && fusion.folds(ctx)) {
            return x;
        }
        if (ctx.training() && x.dataType() == DataType.FLOAT && gamma.dataType() == DataType.FLOAT) {
            return oneDnn(x, ctx);
        }
        return channelsLast(ctx.nhwc(x), ctx);
    }

    /** Normalisation over the last axis of an NHWC (or N x C) batch, through libnd4j. */
    private INDArray channelsLast(INDArray x, Context ctx) {
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
        INDArray invStd = Transforms.pow(var.add(epsilon), -0.5, false);
        INDArray xhat = rows.subRowVector(mean).muliRowVector(invStd);
        INDArray out = xhat.mulRowVector(gamma).addiRowVector(beta).reshape('c', x.shape());
        Tape tape = ctx.tape();
        if (tape != null) {
            tape.recordReusable(op(), out, new INDArray[] {x}, (gradOut, grads) -> {
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

    private INDArray oneDnn(INDArray x, Context ctx) {
        // conv -> batchnorm -> relu: the relu runs inside the norm, both ways, unless this
        // norm's own (unrectified) output was asked for
        boolean relu = fusion != null && fusion.relu() && !ctx.wants(path());
        Layout layout = ctx.layout(x);
        List<Object> key = new ArrayList<>(Arrays.stream(x.shape()).boxed().toList());
        key.add(relu);
        key.add(layout == null ? "nhwc" : layout);
        BatchNormTraining bn = kernels.computeIfAbsent(key,
                k -> new BatchNormTraining(x.shape(), layout, (float) epsilon, relu));
        INDArray[] r = bn.forward(x, gamma, beta);
        ctx.laidOut(r[0], layout);
        if (relu) {
            ctx.rectified(r[0]);
        }
        INDArray mean = r[1];
        INDArray var = r[2];
        updateRunning(mean, var, x.length() / x.size(x.rank() - 1));
        Tape tape = ctx.tape();
        if (tape != null) {
            tape.recordReusable(op(), r[0], new INDArray[] {x}, (gradOut, grads) -> {
                INDArray[] g = bn.backward(x, gradOut, gamma, mean, var, r[3],
                        Tape.gradientArray(DataType.FLOAT, x.shape()));
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
