package org.netspec.runtime.model;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.dnnl.Dnnl;

/**
 * The activation gradients of backward passes, in buffers outside any workspace that go back to a
 * free list as soon as the step that reads them has run, and serve the next gradient of the same
 * type and shape — in this pass and, since the graph is static, in every later one. A backward
 * pass then holds only the gradients still to be consumed (a few per residual block), not every
 * gradient it ever made.
 *
 * <p>A buffer may be the gradient of several values at once (an add's two inputs get the same one):
 * it is counted, goes back when the last of them has been read, and is written in place only by
 * its single holder ({@link #exclusive}). Belongs to one thread.
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
    /** Holders of each buffer in use. */
    private final Map<INDArray, int[]> holders = new IdentityHashMap<>();
    private final java.util.List<INDArray> taken = new java.util.ArrayList<>();
    private long allocatedBytes;

    /** Whether {@code a} is one of these buffers, currently owned. */
    boolean owns(INDArray a) {
        return holders.containsKey(a);
    }

    /** Whether {@code b} (one of these buffers) has one holder only, who may then write into it. */
    boolean exclusive(INDArray b) {
        int[] n = holders.get(b);
        return n != null && n[0] == 1;
    }

    /** One more holder of buffer {@code b}; returns it. */
    INDArray share(INDArray b) {
        holders.get(b)[0]++;
        return b;
    }

    /** Whether {@code b} was taken since the last {@link #drainTaken}. */
    boolean takenSinceDrain(INDArray b) {
        for (INDArray t : taken) {
            if (t == b) {
                return true;
            }
        }
        return false;
    }

    /** A buffer holding a copy of {@code g}. */
    INDArray copy(INDArray g) {
        INDArray b = take(g.dataType(), g.shape());
        b.assign(g);
        return b;
    }

    /**
     * Lends the memory of {@code dead}, an activation of the running pass that no backward step
     * reads any more, to this pass's gradients: the gradients then take little memory beyond the
     * activations. Lent memory is the pass's own and goes back with it ({@link #endPass}).
     */
    void lend(INDArray dead) {
        lendable.add(dead);
    }

    /** Forgets every lent array and the gradients made on them (whose memory the next pass reuses). */
    void endPass() {
        lendable.clear();
        parameterArrays.clear();
        for (INDArray b : borrowed) {
            holders.remove(b);
        }
        borrowed.clear();
    }

    private final java.util.List<INDArray> lendable = new java.util.ArrayList<>();
    /** Gradients on lent memory. */
    private final java.util.Set<INDArray> borrowed = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    /** Parameter gradients made for this pass outside any workspace: handed out as they are, not copied. */
    private final java.util.Set<INDArray> parameterArrays = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    /** A new array outside any workspace for a parameter's gradient, which the pass may hand out as it is. */
    INDArray parameterArray(DataType type, long[] shape) {
        INDArray a;
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            a = Nd4j.createUninitialized(type, shape, 'c');
        }
        parameterArrays.add(a);
        return a;
    }

    /** Whether {@code a} came from {@link #parameterArray} in this pass. */
    boolean isParameterArray(INDArray a) {
        return parameterArrays.contains(a);
    }

    /** The smallest lent array of {@code type} that holds {@code length} values, taken out of the list; or null. */
    private INDArray borrow(DataType type, long length) {
        int best = -1;
        for (int i = 0; i < lendable.size(); i++) {
            INDArray a = lendable.get(i);
            if (a.dataType() == type && a.length() >= length && (best < 0 || a.length() < lendable.get(best).length())) {
                best = i;
            }
        }
        return best < 0 ? null : lendable.remove(best);
    }

    /** A buffer of {@code shape}, owned from now on: for an op to write a gradient into. */
    INDArray take(DataType type, long[] shape) {
        ArrayDeque<INDArray> list = free.get(new Key(type, shape));
        INDArray b = list == null ? null : list.poll();
        if (b == null) {
            INDArray lent = borrow(type, org.nd4j.linalg.api.shape.Shape.lengthOf(shape));
            if (lent != null) {
                b = Nd4j.create(lent.data(), shape, Nd4j.getStrides(shape, 'c'), 0, 'c', type); // from lent's first value
                borrowed.add(b);
            }
        }
        if (b == null) {
            try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                b = type == DataType.FLOAT ? Dnnl.uninitialized(shape)
                        : Nd4j.createUninitialized(type, shape, 'c');
            }
            allocatedBytes += b.length() * type.width();
        }
        holders.put(b, new int[] {1});
        taken.add(b);
        return b;
    }

    /** The buffers taken since the last call (so that those no gradient ended up in can go back). */
    java.util.List<INDArray> drainTaken() {
        java.util.List<INDArray> list = new java.util.ArrayList<>(taken);
        taken.clear();
        return list;
    }

    /** One holder less of {@code b}, if it is one of these buffers; the last gives it back. */
    void release(INDArray b) {
        int[] n = holders.get(b);
        if (n != null && --n[0] == 0) {
            holders.remove(b);
            if (borrowed.remove(b)) {
                lendable.add(b); // lent memory serves this pass only
                return;
            }
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
