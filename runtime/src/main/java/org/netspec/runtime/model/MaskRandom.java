package org.netspec.runtime.model;

import java.util.SplittableRandom;

/**
 * Where a random layer (dropout, drop_path) draws its masks: in a {@link Context#seeded seeded}
 * pass from the layer's seed and the pass's alone, so a resumed run replays it exactly; in an
 * unseeded pass a fresh stream per call.
 */
final class MaskRandom {
    private final long seed;
    private long calls;

    MaskRandom(long seed) {
        this.seed = seed;
    }

    SplittableRandom next(Context ctx) {
        Long passSeed = ctx.passSeed();
        if (passSeed != null) {
            return new SplittableRandom(seed ^ new SplittableRandom(passSeed).nextLong());
        }
        synchronized (this) {
            return new SplittableRandom(seed ^ (calls++ * 0x9E3779B97F4A7C15L));
        }
    }
}
