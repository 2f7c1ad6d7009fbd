package org.netspec.runtime.model;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.dnnl.ConvGeometry;
import org.netspec.runtime.dnnl.Layout;
import org.netspec.runtime.dnnl.Pooling;

/**
 * Max or average pooling: float32 through oneDNN (training and evaluation, in the layout the batch
 * arrives in), other types on NHWC through libnd4j. Average pooling counts padded cells, as
 * PyTorch's default does.
 */
public final class Pool extends OpLayer {
    private final Builder.Window w;
    private final boolean max;

    private final ConvGeometry geometry;
    /** oneDNN primitives by batch size, input layout and mode (float32). */
    private final Map<List<Object>, Pooling> kernels = new ConcurrentHashMap<>();

    Pool(String path, Shape input, Shape output, Builder.Window w, boolean max) {
        super(path, output);
        this.w = w;
        this.max = max;
        this.geometry = new ConvGeometry(input.channels(), input.height(), input.width(), output.channels(),
                output.height(), output.width(), w.kh(), w.kw(), w.sh(), w.sw(), w.pads(), 1, 1, 1);
    }

    @Override
    String op() {
        return max ? "maxpool" : "avgpool";
    }

    @Override
    Map<String, Object> attributes() {
        Map<String, Object> a = w.attributes();
        a.put("count_include_pad", !max); // as PyTorch's default, and the kernels above
        return a;
    }

    @Override
    boolean takesAnyLayout() {
        return true;
    }

    @Override
    INDArray apply(INDArray x, Context ctx) {
        if (x.dataType() != DataType.FLOAT) {
            return nd4j(ctx.nhwc(x), ctx);
        }
        Layout layout = ctx.layout(x);
        Tape tape = ctx.tape();
        boolean training = tape != null;
        Pooling pool = kernels.computeIfAbsent(List.of(x.size(0), layout == null ? "nhwc" : layout, training),
                k -> new Pooling(geometry, x.size(0), max, layout, training));
        INDArray[] r = pool.forward(x);
        ctx.laidOut(r[0], pool.dstLayout());
        if (training) {
            // backward reads where the maxima were, not the output
            tape.recordReusable(op(), r[0], new INDArray[] {x}, (g, grads) -> new INDArray[] {
                    pool.backward(g, r[1], Tape.gradientArray(DataType.FLOAT, x.shape()))});
        }
        return r[0];
    }

    /** NHWC through libnd4j, whose backward pairs with its forward (float64: gradient checks). */
    private INDArray nd4j(INDArray x, Context ctx) {
        INDArray out = Nd4j.create(x.dataType(), x.size(0), output().height(), output().width(), x.size(3));
        // extra argument 9: for average pooling, 1 counts padded cells like PyTorch's count_include_pad.
        int[] args = {w.kh(), w.kw(), w.sh(), w.sw(), w.pads()[0], w.pads()[2], 1, 1, w.same() ? 1 : 0, max ? 0 : 1, 1};
        Nd4j.exec(DynamicCustomOp.builder(max ? "maxpool2d" : "avgpool2d").addInputs(x).addOutputs(out)
                .addIntegerArguments(args).build());
        Tape tape = ctx.tape();
        if (tape != null) {
            tape.record(op(), out, new INDArray[] {x}, (g, grads) -> {
                INDArray gradIn = x.ulike();
                Nd4j.exec(DynamicCustomOp.builder(max ? "maxpool2d_bp" : "avgpool2d_bp").addInputs(x, g.dup('c'))
                        .addOutputs(gradIn).addIntegerArguments(args).build());
                return new INDArray[] {gradIn};
            });
        }
        return out;
    }
}
