package org.netspec.runtime.model;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer that multiplies by a random mask in training and passes values through in evaluation
 * (dropout, drop_path). Masks come from the layer's seed and, in a {@link Context#seeded seeded}
 * pass, the pass's seed alone — so a resumed run replays them exactly; an unseeded pass draws a
 * fresh stream per call.
 */
abstract class RandomMaskLayer extends OpLayer {
    final double rate;
    private final long seed;
    private long calls;

    RandomMaskLayer(String path, Shape output, double rate, long seed) {
        super(path, output);
        this.rate = rate;
        this.seed = seed;
    }

    /** This pass's mask for {@code x}: 0 where dropped, 1 / (1 - rate) where kept. */
    abstract INDArray mask(INDArray x, SplittableRandom random);

    /** {@code v} times the mask (the forward's input, or backward's gradient). */
    abstract INDArray times(INDArray v, INDArray mask);

    @Override
    final INDArray apply(INDArray x, Context ctx) {
        if (!ctx.training() || rate == 0) {
            return x;
        }
        INDArray mask = mask(x, random(ctx));
        INDArray out = times(x, mask);
        Tape tape = ctx.tape();
        if (tape != null) {
            tape.record(op(), out, new INDArray[] {x}, (g, grads) -> new INDArray[] {times(g, mask)});
        }
        return out;
    }

    private SplittableRandom random(Context ctx) {
        Long passSeed = ctx.passSeed();
        if (passSeed != null) {
            return new SplittableRandom(seed ^ new SplittableRandom(passSeed).nextLong());
        }
        synchronized (this) {
            return new SplittableRandom(seed ^ (calls++ * 0x9E3779B97F4A7C15L));
        }
    }
}
