package org.netspec.runtime.data;

import java.nio.file.Path;

/**
 * How much memory decoded data may take, checked against what a file's header or size promises
 * before anything is allocated: the lower of {@code -Dnetspec.maxDatasetBytes} and half the
 * heap (the reader holds the bytes once while it builds the data set from them).
 */
final class Budget {
    private Budget() {}

    static final long MAX_DATASET_BYTES = Long.getLong("netspec.maxDatasetBytes", 16L << 30);

    static long bytes() {
        return Math.min(MAX_DATASET_BYTES, Runtime.getRuntime().maxMemory() / 2);
    }

    /** Pixels one image may have before it is decoded (4 bytes each at most, and scaled copies). */
    static long pixels() {
        return Math.min(ImageFolder.MAX_PIXELS, Runtime.getRuntime().maxMemory() / 32);
    }

    static void check(Object file, long bytes) throws DataException {
        long limit = bytes();
        if (bytes > limit) {
            throw new DataException(file + ": " + String.format("%,d", bytes) + " bytes of data, more than the "
                    + String.format("%,d", limit) + " this run may hold (" + (limit == MAX_DATASET_BYTES
                    ? "raise it with -Dnetspec.maxDatasetBytes=N" : "half the JVM's heap: raise -Xmx") + ")");
        }
    }
}
