package org.netspec.runtime.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A conv window through libnd4j's conv2d and conv2d_bp ops: the path for data types other than
 * float32, and for the backward passes oneDNN cannot take. Grouped convs run group by group on
 * slices of channels; dilated ones as the equivalent undilated kernel.
 */
final class Nd4jConv {
    private final Builder.Window w;
    private final int groups;

    Nd4jConv(Builder.Window w, int groups) {
        this.w = w;
        this.groups = groups;
    }

    /** The conv of NHWC {@code x} with {@code kernel} [out, in/groups, kH, kW] and bias {@code b} (or null). */
    INDArray forward(INDArray x, INDArray kernel, INDArray b) {
        if (groups == 1) {
            return conv(x, kernel, b);
        }
        // libnd4j's conv2d has no groups: run each group on its slice of channels.
        INDArray[] parts = new INDArray[groups];
        for (int g = 0; g < groups; g++) {
            parts[g] = conv(inSlice(x, g), outSlice(kernel, g), b == null ? null : outSlice(b, g));
        }
        return Nd4j.concat(3, parts);
    }

    /** Gradients of input, weights and bias (null without a bias). */
    INDArray[] backward(INDArray x, INDArray kernel, INDArray b, INDArray gradOut) {
        if (groups == 1) {
            return convBackward(x, kernel, b, gradOut);
        }
        INDArray[] gi = new INDArray[groups];
        INDArray[] gw = new INDArray[groups];
        INDArray[] gb = new INDArray[groups];
        for (int k = 0; k < groups; k++) {
            INDArray[] g = convBackward(inSlice(x, k), outSlice(kernel, k), b == null ? null : outSlice(b, k),
                    outSlice3(gradOut, k));
            gi[k] = g[0];
            gw[k] = g[1];
            gb[k] = g[2];
        }
        return new INDArray[] {Nd4j.concat(3, gi), Nd4j.concat(0, gw), b == null ? null : Nd4j.concat(0, gb)};
    }

    private INDArray inSlice(INDArray x, int g) {
        long per = x.size(3) / groups;
        return x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(g * per, (g + 1) * per)).dup('c');
    }

    private INDArray outSlice(INDArray t, int g) {
        long per = t.size(0) / groups;
        return t.get(NDArrayIndex.interval(g * per, (g + 1) * per)).dup('c');
    }

    private INDArray outSlice3(INDArray t, int g) {
        long per = t.size(3) / groups;
        return t.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(g * per, (g + 1) * per)).dup('c');
    }

    private boolean dilated() {
        return w.dh() > 1 || w.dw() > 1;
    }

    /**
     * libnd4j's float32 conv fails for dilation above 1, so a dilated kernel runs as the
     * equivalent undilated one with zeros between its taps.
     */
    private int[] args() {
        int kh = dilated() ? w.dh() * (w.kh() - 1) + 1 : w.kh();
        int kw = dilated() ? w.dw() * (w.kw() - 1) + 1 : w.kw();
        return new int[] {kh, kw, w.sh(), w.sw(), w.pads()[0], w.pads()[2], 1, 1, w.same() ? 1 : 0, 1, 1};
    }

    private INDArray spread(INDArray w4) {
        if (!dilated()) {
            return w4;
        }
        INDArray wide = Nd4j.zeros(w4.dataType(), w4.size(0), w4.size(1), w.dh() * (w.kh() - 1) + 1,
                w.dw() * (w.kw() - 1) + 1);
        wide.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, w.dh(), wide.size(2)),
                NDArrayIndex.interval(0, w.dw(), wide.size(3))).assign(w4);
        return wide;
    }

    private INDArray gather(INDArray gradWide) {
        if (!dilated()) {
            return gradWide;
        }
        return gradWide.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, w.dh(), gradWide.size(2)),
                NDArrayIndex.interval(0, w.dw(), gradWide.size(3))).dup('c');
    }

    private INDArray conv(INDArray x, INDArray kernel, INDArray b) {
        INDArray w4 = spread(kernel);
        INDArray out = Nd4j.create(x.dataType(), x.size(0), w.outH(), w.outW(), w4.size(0));
        INDArray[] inputs = b == null ? new INDArray[] {x, w4} : new INDArray[] {x, w4, b};
        Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(inputs).addOutputs(out)
                .addIntegerArguments(args()).build());
        return out;
    }

    /** libnd4j's conv2d_bp: gradients of input, weights and bias. */
    private INDArray[] convBackward(INDArray x, INDArray kernel, INDArray b, INDArray gradOut) {
        INDArray w4 = spread(kernel);
        INDArray gradIn = x.ulike();
        INDArray gradW = w4.ulike();
        INDArray gradB = b == null ? null : b.ulike();
        INDArray g = gradOut.dup('c');
        INDArray[] inputs = b == null ? new INDArray[] {x, w4, g} : new INDArray[] {x, w4, b, g};
        INDArray[] outputs = b == null ? new INDArray[] {gradIn, gradW} : new INDArray[] {gradIn, gradW, gradB};
        Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(inputs).addOutputs(outputs)
                .addIntegerArguments(args()).build());
        return new INDArray[] {gradIn, gather(gradW), gradB};
    }
}
