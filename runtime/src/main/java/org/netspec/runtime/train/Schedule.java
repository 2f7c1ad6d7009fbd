package org.netspec.runtime.train;

/** Learning rate by optimizer step. */
public interface Schedule {
    double at(long step);

    /**
     * Linear warm-up from 0 to {@code base} over {@code warmup} steps, then cosine decay to 0 at
     * {@code total} — the Flax ImageNet recipe.
     */
    static Schedule warmupCosine(double base, long warmup, long total) {
        return step -> {
            if (step < warmup) {
                return base * (step + 1) / warmup;
            }
            double progress = Math.min(1, (double) (step - warmup) / Math.max(1, total - warmup));
            return 0.5 * base * (1 + Math.cos(Math.PI * progress));
        };
    }

    /** {@code base * gamma^(step / every)}. */
    static Schedule step(double base, double gamma, long every) {
        return step -> base * Math.pow(gamma, (double) (step / every));
    }

    static Schedule constant(double base) {
        return step -> base;
    }
}
