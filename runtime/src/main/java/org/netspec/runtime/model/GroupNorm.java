package org.netspec.runtime.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Group norm over NHWC batches, as PyTorch's {@code nn.GroupNorm}: each example's channels
 * split into {@code groups} groups, each normalised over its channels and H x W with its own
 * (biased) statistics, then a per-channel scale and shift. No running statistics: training and
 * evaluation compute the same, and the result does not depend on the batch size — what
 * data-parallel training with a few examples per worker needs.
 */
public final class GroupNorm extends OpLayer {
    private final int groups;
    private final double epsilon;
    private final INDArray gamma;
    private final INDArray beta;

    GroupNorm(String path, Shape output, int groups, double epsilon, INDArray gamma, INDArray beta) {
        super(path, output);
        this.groups = groups;
        this.epsilon = epsilon;
        this.gamma = gamma;
        this.beta = beta;
    }

    @Override
    String op() {
        return "groupnorm";
    }

    @Override
    Map<String, Object> attributes() {
        return Map.of("groups", groups, "epsilon", epsilon);
    }

    @Override
    Map<String, INDArray> tensors() {
        return Map.of("weight", gamma, "bias", beta);
    }

    @Override
    long parameterCount() {
        return gamma.length() + beta.length();
    }

    @Override
    INDArray apply(INDArray x, Context ctx) {
        long n = x.size(0);
        long c = x.size(3);
        // rows of [N * groups, H * W * C / groups]: one row per example and group
        INDArray rows = toGroups(x);
        INDArray centered = rows.subColumnVector(rows.mean(1).reshape(-1, 1));
        INDArray variance = centered.mul(centered).mean(1).reshape(-1, 1);
        INDArray rstd = Transforms.pow(variance.addi(epsilon), -0.5, false);
        INDArray normalised = centered.muliColumnVector(rstd);
        INDArray xhat = fromGroups(normalised, x.shape());
        INDArray out = xhat.reshape(-1, c).mulRowVector(gamma).addiRowVector(beta).reshape(x.shape());
        Tape tape = ctx.tape();
        if (tape != null) {
            tape.record(op(), out, new INDArray[] {x}, (g, grads) -> {
                INDArray g2 = g.reshape(-1, c);
                Tape.accumulate(grads, path() + ".weight", g2.mul(xhat.reshape(-1, c)).sum(0));
                Tape.accumulate(grads, path() + ".bias", g2.sum(0));
                // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), per example and group
                INDArray dxhat = toGroups(g2.mulRowVector(gamma).reshape(x.shape()));
                INDArray meanD = dxhat.mean(1).reshape(-1, 1);
                INDArray meanDX = dxhat.mul(normalised).mean(1).reshape(-1, 1);
                INDArray dx = dxhat.subColumnVector(meanD).subi(normalised.mulColumnVector(meanDX))
                        .muliColumnVector(rstd);
                return new INDArray[] {fromGroups(dx, x.shape())};
            });
        }
        return out;
    }

    /** [N, H, W, C] to [N * G, H * W * C / G]: NHWC's channels split into (group, channel in group). */
    private INDArray toGroups(INDArray x) {
        long n = x.size(0);
        long cells = x.size(1) * x.size(2);
        long perGroup = x.size(3) / groups;
        return x.reshape('c', n, cells, groups, perGroup).permute(0, 2, 1, 3).dup('c')
                .reshape(n * groups, cells * perGroup);
    }

    private INDArray fromGroups(INDArray rows, long[] shape) {
        long cells = shape[1] * shape[2];
        long perGroup = shape[3] / groups;
        return rows.reshape('c', shape[0], groups, cells, perGroup).permute(0, 2, 1, 3).dup('c').reshape(shape);
    }
}
