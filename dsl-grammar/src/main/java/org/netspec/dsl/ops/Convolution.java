package org.netspec.dsl.ops;

import static org.netspec.dsl.ops.Param.derived;
import static org.netspec.dsl.ops.Param.optional;
import static org.netspec.dsl.ops.Param.required;

import java.util.List;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.ir.Shape;

/** {@code conv}, {@code maxpool} and {@code avgpool}: ops that slide a window over H x W. */
final class Convolution {
    private Convolution() {}

    static final Op CONV = new Op("conv", Op.Kind.LAYER, 1, List.of(required("filters", Type.INT),
            required("kernel", Type.SIZE), optional("stride", Type.SIZE, 1), optional("padding", Type.PADDING, 0),
            optional("dilation", Type.SIZE, 1), optional("groups", Type.INT, 1), optional("bias", Type.BOOL, true)),
            "conv", "Conv", "2-D convolution; weights OIHW", Convolution::conv);

    static final Op MAXPOOL = pool("maxpool");
    static final Op AVGPOOL = pool("avgpool");

    private static Op pool(String name) {
        return new Op(name, Op.Kind.LAYER, 1, List.of(required("kernel", Type.SIZE), derived("stride", Type.SIZE),
                optional("padding", Type.PADDING, 0)), name, "Pool", name + " pooling; stride defaults to the kernel",
                a -> pooling(name, a));
    }

    private static Shape conv(Application a) throws OpException {
        Shape in = a.spatialInput("conv");
        long filters = a.integer("filters");
        long groups = a.integer("groups");
        if (filters <= 0 || filters > 1 << 20) {
            throw new OpException(Code.NS035, "conv filters must be between 1 and " + (1 << 20) + ", got " + filters);
        }
        if (groups <= 0) {
            throw new OpException(Code.NS035, "conv groups must be positive, got " + groups);
        }
        if (in.channels() % groups != 0 || filters % groups != 0) {
            throw new OpException(Code.NS044, "conv groups " + groups + " must divide input channels "
                    + in.channels() + " and filters " + filters);
        }
        Window w = window("conv", a, in);
        int f = (int) filters;
        int perGroup = in.channels() / (int) groups;
        a.parameter("weight", f, perGroup, w.kh, w.kw);
        if (a.flag("bias")) {
            a.parameter("bias", f);
        }
        a.macs(f, w.outH, w.outW, perGroup, w.kh, w.kw);
        a.resolve("padding", w.pads);
        return Shape.chw(f, w.outH, w.outW);
    }

    private static Shape pooling(String op, Application a) throws OpException {
        Shape in = a.spatialInput(op);
        Window w = window(op, a, in);
        a.resolve("stride", List.of(w.sh, w.sw));
        a.resolve("padding", w.pads);
        return Shape.chw(in.channels(), w.outH, w.outW);
    }

    private record Window(int kh, int kw, int sh, int sw, List<Integer> pads, int outH, int outW) {}

    /** Output size of the window, with the explicit pads [top, bottom, left, right]. */
    private static Window window(String op, Application a, Shape in) throws OpException {
        List<Integer> k = a.size("kernel");
        List<Integer> s = a.has("stride") ? a.size("stride") : k;
        List<Integer> d = a.has("dilation") ? a.size("dilation") : List.of(1, 1);
        if (s.get(0) <= 0 || s.get(1) <= 0) {
            throw new OpException(Code.NS035, op + " stride must be positive, got " + new Shape(s));
        }
        int[] size = {in.height(), in.width()};
        int[] out = new int[2];
        Integer[] pads = new Integer[4];
        for (int axis = 0; axis < 2; axis++) {
            int effective = d.get(axis) * (k.get(axis) - 1) + 1;
            int[] padding = pads(op, a.get("padding"), axis, size[axis], k.get(axis), s.get(axis), effective);
            int padded = size[axis] + padding[0] + padding[1];
            if (effective > padded) {
                throw new OpException(Code.NS041, op + " kernel " + new Shape(k) + " is larger than its padded input "
                        + (in.height() + (axis == 0 ? padding[0] + padding[1] : 0)) + "x"
                        + (in.width() + (axis == 1 ? padding[0] + padding[1] : 0)));
            }
            if (s.get(axis) > 1 && s.get(axis) > padded) {
                throw new OpException(Code.NS042, op + " stride " + new Shape(s)
                        + " leaves no output beyond the first on a " + in.height() + "x" + in.width() + " input");
            }
            out[axis] = (padded - effective) / s.get(axis) + 1;
            pads[axis * 2] = padding[0];
            pads[axis * 2 + 1] = padding[1];
        }
        return new Window(k.get(0), k.get(1), s.get(0), s.get(1), List.of(pads), out[0], out[1]);
    }

    /** Pads before and after along one axis: {@code same} as TensorFlow and Flax place them, more after. */
    private static int[] pads(String op, Object padding, int axis, int size, int kernel, int stride, int effective)
            throws OpException {
        if (padding instanceof String constant) {
            if (!constant.equals("same")) {
                return new int[] {0, 0}; // valid
            }
            int o = (size + stride - 1) / stride;
            int total = Math.max((o - 1) * stride + effective - size, 0);
            return new int[] {total / 2, total - total / 2};
        }
        @SuppressWarnings("unchecked")
        int pad = ((List<Integer>) padding).get(axis);
        if (!op.equals("conv") && pad > kernel / 2) {
            throw new OpException(Code.NS035, op + " padding " + pad + " must be at most half the kernel " + kernel);
        }
        return new int[] {pad, pad};
    }
}
