package org.netspec.dsl.ops;

import static org.netspec.dsl.ops.Param.optional;

import java.util.List;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.ir.Shape;

/** {@code batchnorm} and {@code groupnorm}: per-channel scale and shift after normalising. */
final class Normalization {
    private Normalization() {}

    static final Op BATCHNORM = new Op("batchnorm", Op.Kind.LAYER, 1, List.of(
            optional("momentum", Type.FLOAT, 0.1), optional("epsilon", Type.FLOAT, 1e-5),
            optional("scale_init", Type.INIT, "ones"), optional("biased_var", Type.BOOL, false)),
            "batchnorm", "BatchNorm",
            "batch normalisation over channels (momentum as in PyTorch: new = (1-m)·old + m·batch; the running"
                    + " variance takes the unbiased batch variance as PyTorch's does, or with biased_var the biased one"
                    + " as Flax's does)", Normalization::batchnorm);

    static final Op GROUPNORM = new Op("groupnorm", Op.Kind.LAYER, 1, List.of(
            optional("groups", Type.INT, 32), optional("epsilon", Type.FLOAT, 1e-5),
            optional("scale_init", Type.INIT, "ones")), "groupnorm", "GroupNorm",
            "group normalisation: each example's channels in groups, normalised over the group's channels and H x W"
                    + " (as PyTorch's nn.GroupNorm; no running statistics, so training and evaluation agree and the"
                    + " result does not depend on the batch)", Normalization::groupnorm);

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

    private static Shape groupnorm(Application a) throws OpException {
        Shape in = a.spatialInput("groupnorm");
        long groups = a.integer("groups");
        if (groups <= 0) {
            throw new OpException(Code.NS035, "groupnorm groups must be positive, got " + groups);
        }
        if (in.channels() % groups != 0) {
            throw new OpException(Code.NS044, "groupnorm groups " + groups + " must divide the channels "
                    + in.channels());
        }
        epsilon("groupnorm", a);
        a.parameter("weight", in.channels());
        a.parameter("bias", in.channels());
        return in;
    }

    private static void epsilon(String op, Application a) throws OpException {
        double epsilon = a.real("epsilon");
        if (!(epsilon > 0)) {
            throw new OpException(Code.NS035, op + " epsilon must be positive, got " + epsilon);
        }
    }
}
