package org.netspec.runtime.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A fully connected layer on N x F values, with PyTorch's [out, in] weight. */
public final class Dense extends OpLayer {
    private final INDArray weight;
    private final INDArray bias;

    Dense(String path, Shape output, INDArray weight, INDArray bias) {
        super(path, output);
        this.weight = weight;
        this.bias = bias;
    }

    @Override
    String op() {
        return "dense";
    }

    @Override
    Map<String, INDArray> tensors() {
        return bias == null ? Map.of("weight", weight) : Map.of("weight", weight, "bias", bias);
    }

    @Override
    long parameterCount() {
        return weight.length() + (bias == null ? 0 : bias.length());
    }

    @Override
    long macs() {
        return weight.length();
    }

    @Override
    INDArray apply(INDArray x, Context ctx) {
        INDArray out = Nd4j.gemm(x, weight, false, true); // x W^T without copying W transposed
        if (bias != null) {
            out.addiRowVector(bias);
        }
        Tape tape = ctx.tape();
        if (tape != null) {
            tape.record(op(), out, new INDArray[] {x}, (g, grads) -> {
                Tape.accumulate(grads, path() + ".weight", g.transpose().mmul(x));
                if (bias != null) {
                    Tape.accumulate(grads, path() + ".bias", g.sum(0));
                }
                return new INDArray[] {g.mmul(weight)};
            });
        }
        return out;
    }
}
