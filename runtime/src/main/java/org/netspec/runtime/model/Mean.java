package org.netspec.runtime.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;

/** The mean over the spatial axes of an NHWC batch: N x C, or N x 1 x 1 x C with {@code keepdims}. */
public final class Mean extends OpLayer {
    private final boolean keepdims;

    Mean(String path, Shape output, boolean keepdims) {
        super(path, output);
        this.keepdims = keepdims;
    }

    @Override
    String op() {
        return "mean";
    }

    @Override
    Map<String, Object> attributes() {
        return Map.of("keepdims", keepdims);
    }

    @Override
    INDArray apply(INDArray x, Context ctx) {
        INDArray m = x.mean(1, 2);
        INDArray out = keepdims ? m.reshape(x.size(0), 1, 1, x.size(3)) : m;
        Tape tape = ctx.tape();
        if (tape != null) {
            double cells = x.size(1) * x.size(2);
            tape.record(op(), out, new INDArray[] {x}, (g, grads) -> {
                // every cell of a channel gets that channel's gradient / cells
                INDArray perCell = g.reshape(x.size(0), 1, x.size(3)).div(cells);
                INDArray dx = Nd4j.createUninitialized(x.dataType(), x.size(0), x.size(1) * x.size(2), x.size(3));
                Broadcast.copy(dx, perCell.reshape(x.size(0), x.size(3)), dx, 0, 2);
                return new INDArray[] {dx.reshape(x.shape())};
            });
        }
        return out;
    }
}
