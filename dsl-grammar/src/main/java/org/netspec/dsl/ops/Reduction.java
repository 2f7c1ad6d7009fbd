package org.netspec.dsl.ops;

import static org.netspec.dsl.ops.Param.optional;
import static org.netspec.dsl.ops.Param.required;

import java.util.List;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.ir.Shape;

/** The head of a network: {@code mean} and {@code flatten} to a flat value, {@code dense} on it. */
final class Reduction {
    private Reduction() {}

    static final Op MEAN = new Op("mean", Op.Kind.LAYER, 1, List.of(optional("axes", Type.AXES, "spatial"),
            optional("keepdims", Type.BOOL, false)), "mean", "Mean",
            "global mean over the spatial axes", Reduction::mean);

    static final Op FLATTEN = new Op("flatten", Op.Kind.LAYER, 1, List.of(), "flatten", "Flatten",
            "C x H x W to one flat value", a -> Shape.flat((int) Math.min(a.input().elements(), Integer.MAX_VALUE)));

    static final Op DENSE = new Op("dense", Op.Kind.LAYER, 1, List.of(required("units", Type.INT),
            optional("bias", Type.BOOL, true)), "dense", "Dense",
            "fully connected layer; weights [out, in]", Reduction::dense);

    private static Shape mean(Application a) throws OpException {
        Shape in = a.spatialInput("mean");
        return a.flag("keepdims") ? Shape.chw(in.channels(), 1, 1) : Shape.flat(in.channels());
    }

    private static Shape dense(Application a) throws OpException {
        Shape in = a.input();
        if (in.isSpatial()) {
            throw new OpException(Code.NS043, "dense needs a flat input, got " + in
                    + "; add `mean(spatial)` or `flatten` before it");
        }
        long units = a.integer("units");
        if (units <= 0 || units > 1 << 24) {
            throw new OpException(Code.NS035, "dense units must be between 1 and " + (1 << 24) + ", got " + units);
        }
        int u = (int) units;
        a.parameter("weight", u, in.channels());
        if (a.flag("bias")) {
            a.parameter("bias", u);
        }
        a.macs(u, in.channels());
        return Shape.flat(u);
    }
}
