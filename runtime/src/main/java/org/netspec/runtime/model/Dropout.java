package org.netspec.runtime.model;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inverted dropout in training (kept values scaled by 1 / (1 - rate)), the identity in
 * evaluation. A {@link Context#seeded seeded} pass draws a mask it can replay; an unseeded one
 * draws a fresh mask per call.
 */
public final class Dropout extends OpLayer {
    private final double rate;
    private final MaskRandom masks;

    Dropout(String path, Shape output, double rate, long seed) {
        super(path, output);
        this.rate = rate;
        this.masks = new MaskRandom(seed);
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
        SplittableRandom random = masks.next(ctx);
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
