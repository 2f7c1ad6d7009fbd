package org.netspec.runtime.model;

/** A 2-D size: kernel, stride or dilation ({@code 3x3}). */
public record Size(int height, int width) {
    public Size {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("size must be positive, got " + height + "x" + width);
        }
    }

    public static Size of(int both) {
        return new Size(both, both);
    }

    public static Size of(int height, int width) {
        return new Size(height, width);
    }

    @Override
    public String toString() {
        return height + "x" + width;
    }
}
