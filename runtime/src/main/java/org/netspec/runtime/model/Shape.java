package org.netspec.runtime.model;

import java.util.Arrays;
import java.util.List;

/**
 * Shape of one example without the batch dimension: {@code C x H x W} for feature maps (stored
 * NHWC at run time), {@code F} for flat values. Generated constructors pass shapes along to size
 * their layers, as torchvision passes {@code inplanes}.
 */
public final class Shape {
    private final int[] dims;

    private Shape(int[] dims) {
        if (dims.length != 1 && dims.length != 3) {
            throw new IllegalArgumentException("a shape is C x H x W or a flat size, got " + Arrays.toString(dims));
        }
        for (int d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("shape dimensions must be positive, got " + Arrays.toString(dims));
            }
        }
        this.dims = dims.clone();
    }

    public static Shape of(int... dims) {
        return new Shape(dims);
    }

    public static Shape of(List<Integer> dims) {
        return new Shape(dims.stream().mapToInt(Integer::intValue).toArray());
    }

    public int rank() {
        return dims.length;
    }

    public boolean isSpatial() {
        return dims.length == 3;
    }

    public int channels() {
        return dims[0];
    }

    public int height() {
        requireSpatial("height");
        return dims[1];
    }

    public int width() {
        requireSpatial("width");
        return dims[2];
    }

    public int[] dims() {
        return dims.clone();
    }

    public long elements() {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    /** The shape of a batch of {@code n} examples as stored at run time: NHWC, or N x F. */
    public long[] batch(long n) {
        return isSpatial() ? new long[] {n, dims[1], dims[2], dims[0]} : new long[] {n, dims[0]};
    }

    /** Residual sum: both sides must have the same shape. */
    public static Shape add(Shape a, Shape b) {
        if (!a.equals(b)) {
            throw new IllegalArgumentException("cannot add tensors of shapes " + a + " and " + b);
        }
        return a;
    }

    /** Product; a {@code C x 1 x 1} gate broadcasts over {@code C x H x W}. */
    public static Shape multiply(Shape a, Shape b) {
        if (a.equals(b) || gates(b, a)) {
            return a;
        }
        if (gates(a, b)) {
            return b;
        }
        throw new IllegalArgumentException("cannot multiply tensors of shapes " + a + " and " + b);
    }

    private static boolean gates(Shape small, Shape big) {
        return small.isSpatial() && big.isSpatial() && small.dims[0] == big.dims[0] && small.dims[1] == 1
                && small.dims[2] == 1;
    }

    void requireSpatial(String what) {
        if (!isSpatial()) {
            throw new IllegalArgumentException(what + " needs a C x H x W value, got " + this);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < dims.length; i++) {
            out.append(i == 0 ? "" : "x").append(dims[i]);
        }
        return out.toString();
    }
}
