package org.netspec.runtime.train;

import java.util.function.Supplier;

/**
 * The processes that train one model together, data-parallel: each computes the gradients of its
 * shards of every global batch, and {@link #allReduce} sums them, so that every process applies
 * the same update and holds the same weights. One process alone is {@link #SINGLE}; a Spark
 * barrier stage is another (module {@code netspec-spark}).
 */
public interface World {
    /** This process's number, 0 .. size - 1; rank 0 reports progress. */
    int rank();

    int size();

    /**
     * Replaces {@code values} by the element-wise sum of every process's {@code values}, identical
     * on all, rounded to float32. The values are float32 numbers (weighted gradients, statistics)
     * summed in float64, so that the sum hardly ever depends on the order of addition: any number of
     * processes (and one process accumulating) gets the same float32 bits, which matters because
     * training amplifies a change in the last bit ~1,000-fold per step in its first steps.
     */
    void allReduce(double[] values);

    /**
     * Called every {@code checkEvery} steps with a digest of this process's weights, statistics and
     * optimizer state: a world of several processes compares them and fails loudly if they differ.
     */
    default void verify(long step, Supplier<String> digest) {}

    /** One process, nothing to exchange. */
    World SINGLE = new World() {
        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int size() {
            return 1;
        }

        @Override
        public void allReduce(double[] values) {}
    };
}
