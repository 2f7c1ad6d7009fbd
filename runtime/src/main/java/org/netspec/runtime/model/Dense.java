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
                // g^T x straight into an array outside the pass's workspaces: no transposed copy, none out of scratch
                INDArray gradW = Tape.parameterGradientArray(x.dataType(), weight.shape());
                Nd4j.gemm(g, x, gradW, true, false, 1.0, 0.0);
                Tape.accumulate(grads, path() + ".weight", gradW);
                if (bias != null) {
                    Tape.accumulate(grads, path() + ".bias", g.sum(0));
                }
                INDArray gradIn = Tape.gradientArray(x.dataType(), x.shape());
                Nd4j.gemm(g, weight, gradIn, false, false, 1.0, 0.0);
                return new INDArray[] {gradIn};
            });
        }
        return out;
    }
}
