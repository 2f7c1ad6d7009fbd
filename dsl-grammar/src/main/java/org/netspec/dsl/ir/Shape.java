package org.netspec.dsl.ir;

import java.util.List;

/**
 * The shape of one example (no batch dimension): {@code C x H x W} for feature maps, {@code F}
 * for flat values. NetSpec's runtime lays feature maps out as NHWC; this record is layout-free.
 */
public record Shape(List<Integer> dims) {
    public Shape {
        dims = List.copyOf(dims);
    }

    public static Shape chw(int c, int h, int w) {
        return new Shape(List.of(c, h, w));
    }

    public static Shape flat(int features) {
        return new Shape(List.of(features));
    }

    public int rank() {
        return dims.size();
    }

    public boolean isSpatial() {
        return dims.size() == 3;
    }

    public int channels() {
        return dims.get(0);
    }

    public int height() {
        return dims.get(1);
    }

    public int width() {
        return dims.get(2);
    }

    public long elements() {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < dims.size(); i++) {
            out.append(i == 0 ? "" : "x").append(dims.get(i));
        }
        return out.toString();
    }
}
