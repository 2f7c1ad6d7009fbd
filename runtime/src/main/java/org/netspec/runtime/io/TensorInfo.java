package org.netspec.runtime.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's header entry. {@code begin} and {@code end} are byte offsets relative to the start of
 * the data section (just after the header), as in the file. Instances come out of a validated
 * header, so {@code end - begin == numel() * dtype.byteSize()} always holds.
 */
public record TensorInfo(String name, SafeTensorsDtype dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    /** A copy, so the record stays immutable. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Number of elements: 1 for a scalar (shape []), 0 if any dimension is 0. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long byteLength() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return "TensorInfo[" + name + " " + dtype + " " + Arrays.toString(shape) + " @" + begin + ".." + end + "]";
    }
}
