package org.netspec.dsl.ops;

import static org.netspec.dsl.ops.Param.optional;

import java.util.List;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.ir.Shape;

/** {@code batchnorm}: per-channel scale and shift after normalising. */
final class Normalization {
    private Normalization() {}

    static final Op BATCHNORM = new Op("batchnorm", Op.Kind.LAYER, 1, List.of(
            optional("momentum", Type.FLOAT, 0.1), optional("epsilon", Type.FLOAT, 1e-5),
            optional("scale_init", Type.INIT, "ones"), optional("biased_var", Type.BOOL, false)), "batchnorm", "BatchNorm",
            "batch normalisation over channels (momentum as in PyTorch: new = (1-m)·old + m·batch; the running"
                    + " variance takes the unbiased batch variance as PyTorch's does, or with biased_var the biased one"
                    + " as Flax's does)", Normalization::batchnorm);

    private static Shape batchnorm(Application a) throws OpException {
        double momentum = a.real("momentum");
        if (momentum < 0 || momentum > 1) {
            throw new OpException(Code.NS035, "batchnorm momentum must be in [0, 1], got " + momentum);
        }
        epsilon("batchnorm", a);
        int c = a.input().channels();
        a.parameter("weight", c);
        a.parameter("bias", c);
        a.state("running_mean", c);
        a.state("running_var", c);
        return a.input();
    }

    private static void epsilon(String op, Application a) throws OpException {
        double epsilon = a.real("epsilon");
        if (!(epsilon > 0)) {
            throw new OpException(Code.NS035, op + " epsilon must be positive, got " + epsilon);
        }
    }
}
