package org.netspec.runtime.model;

/**
 * Padding of a conv or pooling window: explicit (as torchvision pads), or {@code SAME} /
 * {@code VALID}. {@code SAME} puts the odd pixel at the bottom and right, as TensorFlow does.
 */
public final class Padding {
    public static final Padding SAME = new Padding(-1, -1);
    public static final Padding VALID = new Padding(0, 0);

    private final int height;
    private final int width;

    private Padding(int height, int width) {
        this.height = height;
        this.width = width;
    }

    public static Padding of(int both) {
        return of(both, both);
    }

    public static Padding of(int height, int width) {
        if (height < 0 || width < 0) {
            throw new IllegalArgumentException("padding must not be negative, got " + height + "x" + width);
        }
        return new Padding(height, width);
    }

    public static Padding of(Size size) {
        return of(size.height(), size.width());
    }

    /** Explicit pads {top, bottom, left, right} for an input of {@code h x w}. */
    public int[] resolve(int h, int w, Size kernel, Size stride, Size dilation) {
        if (this != SAME) {
            return new int[] {height, height, width, width};
        }
        int[] pads = new int[4];
        int[] size = {h, w};
        int[] k = {kernel.height(), kernel.width()};
        int[] s = {stride.height(), stride.width()};
        int[] d = {dilation.height(), dilation.width()};
        for (int axis = 0; axis < 2; axis++) {
            int out = (size[axis] + s[axis] - 1) / s[axis];
            int total = Math.max((out - 1) * s[axis] + d[axis] * (k[axis] - 1) + 1 - size[axis], 0);
            pads[axis * 2] = total / 2;
            pads[axis * 2 + 1] = total - total / 2;
        }
        return pads;
    }

    @Override
    public String toString() {
        return this == SAME ? "same" : height == width ? String.valueOf(height) : height + "x" + width;
    }
}
