package org.netspec.runtime.model;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Stochastic depth (timm's {@code drop_path}): in training each example's whole value is zeroed
 * with probability {@code rate} and the others scaled by 1 / (1 - rate). Put on a residual
 * branch, it drops that branch for some examples of the batch.
 */
public final class DropPath extends RandomMaskLayer {
    DropPath(String path, Shape output, double rate, long seed) {
        super(path, output, rate, seed);
    }

    @Override
    String op() {
        return "drop_path";
    }

    /** One value per example: [N, 1]. */
    @Override
    INDArray mask(INDArray x, SplittableRandom random) {
        int batch = Math.toIntExact(x.size(0));
        double[] keep = new double[batch];
        for (int i = 0; i < batch; i++) {
            keep[i] = random.nextDouble() < rate ? 0 : 1 / (1 - rate);
        }
        return Nd4j.create(keep, new long[] {batch, 1}, x.dataType());
    }

    @Override
    INDArray times(INDArray v, INDArray mask) {
        return v.reshape(v.size(0), -1).mulColumnVector(mask).reshape(v.shape());
    }
}
