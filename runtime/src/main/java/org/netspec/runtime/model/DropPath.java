package org.netspec.runtime.model;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Stochastic depth (timm's {@code drop_path}): in training each example's whole value is zeroed
 * with probability {@code rate} and the others scaled by 1 / (1 - rate); the identity in
 * evaluation. Put on a residual branch, it drops that branch for some examples of the batch.
 * Masks are drawn like {@link Dropout}'s: replayable in a seeded pass.
 */
public final class DropPath extends OpLayer {
    private final double rate;
    private final MaskRandom masks;

    DropPath(String path, Shape output, double rate, long seed) {
        super(path, output);
        this.rate = rate;
        this.masks = new MaskRandom(seed);
    }

    @Override
    String op() {
        return "drop_path";
    }

    @Override
    INDArray apply(INDArray x, Context ctx) {
        if (!ctx.training() || rate == 0) {
            return x;
        }
        SplittableRandom random = masks.next(ctx);
        int batch = Math.toIntExact(x.size(0));
        double[] keep = new double[batch];
        for (int i = 0; i < batch; i++) {
            keep[i] = random.nextDouble() < rate ? 0 : 1 / (1 - rate);
        }
        INDArray mask = Nd4j.create(keep, new long[] {batch, 1}, x.dataType());
        INDArray out = x.reshape(batch, -1).mulColumnVector(mask).reshape(x.shape());
        Tape tape = ctx.tape();
        if (tape != null) {
            tape.record(op(), out, new INDArray[] {x}, (g, grads) -> new INDArray[] {
                    g.reshape(batch, -1).mulColumnVector(mask).reshape(x.shape())});
        }
        return out;
    }
}
