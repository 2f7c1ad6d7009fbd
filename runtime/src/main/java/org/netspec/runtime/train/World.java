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

    /** Replaces {@code values} by the element-wise sum of every process's {@code values}, identical on all. */
    void allReduce(float[] values);

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
        public void allReduce(float[] values) {}
    };
}
