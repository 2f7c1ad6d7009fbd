package org.netspec.dsl.ops;

import static org.netspec.dsl.ops.Param.required;

import java.util.List;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.ir.Shape;

/** Ops that keep the shape: activations, sums and gates, and the random regularisers. */
final class Elementwise {
    private Elementwise() {}

    static final List<Op> ACTIVATIONS = List.of(activation("relu"), activation("sigmoid"), activation("tanh"),
            activation("silu"), activation("gelu"), activation("identity"));

    static final Op DROPOUT = new Op("dropout", Op.Kind.LAYER, 1, List.of(required("rate", Type.FLOAT)),
            "dropout", "Dropout",
            "dropout in training mode: each value zeroed with probability rate, the rest scaled by 1 / (1 - rate)",
            a -> rate("dropout", a));

    static final Op DROP_PATH = new Op("drop_path", Op.Kind.LAYER, 1, List.of(required("rate", Type.FLOAT)),
            "dropPath", "DropPath", "stochastic depth in training mode: each example's whole value zeroed with"
                    + " probability rate, the others scaled by 1 / (1 - rate) (timm's drop_path); put it on a"
                    + " residual branch",
            a -> rate("drop_path", a));

    static final Op ADD = new Op("add", Op.Kind.BINARY, 2, List.of(), "add", null,
            "element-wise sum (also written a + b)",
            Elementwise::add);

    static final Op MULTIPLY = new Op("multiply", Op.Kind.BINARY, 2, List.of(), "multiply", null,
            "element-wise product, C x 1 x 1 broadcasts (also written a * b)", Elementwise::multiply);

    private static Op activation(String name) {
        return new Op(name, Op.Kind.ACTIVATION, 1, List.of(), name, null, "element-wise " + name, Application::input);
    }

    private static Shape rate(String op, Application a) throws OpException {
        double rate = a.real("rate");
        if (rate < 0 || rate >= 1) {
            throw new OpException(Code.NS035, op + " rate must be in [0, 1), got " + rate);
        }
        return a.input();
    }

    private static Shape add(Application a) throws OpException {
        if (!a.input(0).equals(a.input(1))) {
            throw new OpException(Code.NS040, "cannot add " + a.describe(0) + " and " + a.describe(1)
                    + ": the shapes must be equal");
        }
        return a.input();
    }

    private static Shape multiply(Application a) throws OpException {
        Shape left = a.input(0);
        Shape right = a.input(1);
        if (left.equals(right) || broadcasts(right, left)) {
            return left;
        }
        if (broadcasts(left, right)) {
            return right;
        }
        throw new OpException(Code.NS040, "cannot multiply " + a.describe(0) + " and " + a.describe(1)
                + ": the shapes must be equal, or one C x 1 x 1 with the other's C");
    }

    /** {@code small} is C x 1 x 1 and gates {@code big}'s C x H x W. */
    private static boolean broadcasts(Shape small, Shape big) {
        return small.isSpatial() && big.isSpatial() && small.channels() == big.channels()
                && small.height() == 1 && small.width() == 1;
    }
}
