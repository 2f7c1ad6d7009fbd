package org.netspec.runtime.model;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The activation gradients of backward passes, in buffers outside any workspace that go back to a
 * free list as soon as the step that reads them has run, and serve the next gradient of the same
 * type and shape — in this pass and, since the graph is static, in every later one. A backward
 * pass then holds only the gradients still to be consumed (a few per residual block), not every
 * gradient it ever made.
 *
 * <p>Each buffer has at most one owner (one value's gradient) at a time; {@link Tape} keeps that.
 * Belongs to one thread.
 */
final class GradientBuffers {
    private record Key(DataType type, long[] shape) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.type == type && Arrays.equals(k.shape, shape);
        }

        @Override
        public int hashCode() {
            return type.hashCode() * 31 + Arrays.hashCode(shape);
        }
    }

    private final Map<Key, ArrayDeque<INDArray>> free = new HashMap<>();
    private final Set<INDArray> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private final java.util.List<INDArray> taken = new java.util.ArrayList<>();
    private long allocatedBytes;

    /** Whether {@code a} is one of these buffers, currently owned. */
    boolean owns(INDArray a) {
        return owned.contains(a);
    }

    /** {@code g} itself when it is already an owned buffer, else a buffer holding a copy of it. */
    INDArray adopt(INDArray g) {
        return owns(g) ? g : copy(g);
    }

    /** A buffer holding a copy of {@code g}. */
    INDArray copy(INDArray g) {
        INDArray b = take(g.dataType(), g.shape());
        b.assign(g);
        return b;
    }

    /** A buffer of {@code shape}, owned from now on: for an op to write a gradient into. */
    INDArray take(DataType type, long[] shape) {
        ArrayDeque<INDArray> list = free.get(new Key(type, shape));
        INDArray b = list == null ? null : list.poll();
        if (b == null) {
            try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                b = Nd4j.createUninitialized(type, shape, 'c');
            }
            allocatedBytes += b.length() * type.width();
        }
        owned.add(b);
        taken.add(b);
        return b;
    }

    /** The buffers taken since the last call (so that those no gradient ended up in can go back). */
    java.util.List<INDArray> drainTaken() {
        java.util.List<INDArray> list = new java.util.ArrayList<>(taken);
        taken.clear();
        return list;
    }

    /** Gives {@code b} back, if it is an owned buffer; other arrays are left alone. */
    void release(INDArray b) {
        if (owned.remove(b)) {
            free.computeIfAbsent(new Key(b.dataType(), b.shape()), k -> new ArrayDeque<>()).push(b);
        }
    }

    /** Bytes of all buffers ever made (the peak of live gradients, once a pass has run). */
    long allocatedBytes() {
        return allocatedBytes;
    }

    /** Whether {@code a} and {@code b} share storage (one is a view of the other, or both of one buffer). */
    static boolean overlap(INDArray a, INDArray b) {
        long as = a.data().addressPointer().address();
        long bs = b.data().addressPointer().address();
        long ae = as + a.data().length() * a.dataType().width();
        long be = bs + b.data().length() * b.dataType().width();
        return as < be && bs < ae;
    }
}
