package org.netspec.runtime.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Flattens an NHWC batch to N x F in PyTorch's C, H, W order, so dense weights from torchvision line up. */
public final class Flatten extends OpLayer {
    Flatten(String path, Shape output) {
        super(path, output);
    }

    @Override
    String op() {
        return "flatten";
    }

    @Override
    INDArray apply(INDArray x, Context ctx) {
        if (x.rank() == 2) {
            return x;
        }
        INDArray out = x.permute(0, 3, 1, 2).dup('c').reshape(x.size(0), x.length() / x.size(0));
        Tape tape = ctx.tape();
        if (tape != null) {
            tape.record(op(), out, new INDArray[] {x}, (g, grads) -> new INDArray[] {
                    g.reshape(x.size(0), x.size(3), x.size(1), x.size(2)).permute(0, 2, 3, 1).dup('c')});
        }
        return out;
    }
}
