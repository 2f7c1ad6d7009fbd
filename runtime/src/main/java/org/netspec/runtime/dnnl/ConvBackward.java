package org.netspec.runtime.dnnl;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_dilated_convolution_backward_data_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_dilated_convolution_backward_weights_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_scratchpad_mode;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_scratchpad_mode_user;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The two backward convolutions of a training {@link ConvForward}: the gradient of the input
 * (from the weights) and of the weights and bias (from the input), gradients in the forward's layouts,
 * weight gradients returned in PyTorch's [out, in / groups, kh, kw] layout.
 */
public final class ConvBackward {
    private final ConvGeometry geometry;
    private final boolean hasBias;
    private final dnnl_memory_desc_t src;
    private final dnnl_memory_desc_t dst;
    private final dnnl_memory_desc_t bias;
    private final dnnl_primitive_desc dataPd;
    private final dnnl_primitive data;
    private final dnnl_memory_desc_t dataWeights;
    private final dnnl_primitive_desc weightsPd;
    private final dnnl_primitive weights;
    private final dnnl_memory_desc_t diffWeights;

    public ConvBackward(ConvForward forward, ConvGeometry g, boolean hasBias) {
        if (!forward.training()) {
            throw new IllegalArgumentException("backward needs a forward built for training");
        }
        this.geometry = g;
        this.hasBias = hasBias;
        long batch = forward.batch();
        this.src = forward.srcLayout().md;
        this.dst = forward.dstLayout().md;
        this.bias = hasBias ? g.bias() : null;
        dnnl_memory_desc_t anyWeights = Dnnl.desc(g.weightDims(), dnnl_format_tag_any);
        dnnl_primitive_attr attr = new dnnl_primitive_attr();
        Dnnl.check(dnnl_primitive_attr_create(attr), "attributes");
        try {
            Dnnl.check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
            dnnl_convolution_desc_t dataDesc = new dnnl_convolution_desc_t();
            Dnnl.check(dnnl_dilated_convolution_backward_data_desc_init(dataDesc, dnnl_convolution_direct, src, anyWeights,
                    dst, g.strides(), g.dilation(), g.padBefore(), g.padAfter()), "backward-data description " + g);
            dataPd = new dnnl_primitive_desc();
            Dnnl.check(dnnl_primitive_desc_create(dataPd, new const_dnnl_op_desc_t(dataDesc), attr, Dnnl.engine(), forward.pd),
                    "backward-data convolution " + g);
            dnnl_convolution_desc_t weightsDesc = new dnnl_convolution_desc_t();
            Dnnl.check(dnnl_dilated_convolution_backward_weights_desc_init(weightsDesc, dnnl_convolution_direct, src,
                    anyWeights, bias, dst, g.strides(), g.dilation(), g.padBefore(), g.padAfter()),
                    "backward-weights description " + g);
            weightsPd = new dnnl_primitive_desc();
            Dnnl.check(dnnl_primitive_desc_create(weightsPd, new const_dnnl_op_desc_t(weightsDesc), attr, Dnnl.engine(),
                    forward.pd), "backward-weights convolution " + g);
        } finally {
            dnnl_primitive_attr_destroy(attr);
        }
        dataWeights = ConvForward.copy(dnnl_primitive_desc_query_md(dataPd, dnnl_query_weights_md, 0));
        data = Dnnl.primitive(dataPd, "backward-data convolution");
        diffWeights = ConvForward.copy(dnnl_primitive_desc_query_md(weightsPd, dnnl_query_diff_weights_md, 0));
        weights = Dnnl.primitive(weightsPd, "backward-weights convolution");
    }

    /**
     * Whether either backward convolution runs oneDNN's reference loops (seen for a 1-channel
     * input in a blocked forward: ten times slower than NHWC), so the forward's layouts should go.
     */
    public boolean reference() {
        return Dnnl.reference(dataPd) || Dnnl.reference(weightsPd);
    }

    /** The weights re-laid out for {@link #gradInput}, in the pass's workspace. */
    public INDArray prepare(INDArray weightsOihw) {
        return Dnnl.reorder(ConvForward.dense(weightsOihw), geometry.userWeights(), dataWeights, false);
    }

    /**
     * The gradient of the input, written into {@code gradIn} (the input's shape and layout), given
     * the output's gradient and {@link #prepare}d weights.
     */
    public INDArray gradInput(INDArray gradOut, INDArray preparedWeights, INDArray gradIn) {
        Dnnl.Memory dd = Dnnl.wrap(dst, ConvForward.dense(gradOut));
        Dnnl.Memory w = Dnnl.wrap(dataWeights, preparedWeights);
        Dnnl.Memory ds = Dnnl.wrap(src, gradIn);
        Dnnl.Memory p = Dnnl.scratchpad(dataPd);
        try {
            Dnnl.execute(data, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC, DNNL_ARG_SCRATCHPAD},
                    new Dnnl.Memory[] {dd, w, ds, p}, "backward-data convolution");
        } finally {
            Dnnl.destroy(dd, w, ds, p);
        }
        return gradIn;
    }

    /**
     * Gradients of the weights, written into {@code gradW} ([out, in / groups, kh, kw], dense
     * float32), and of the bias (null without one).
     */
    public INDArray[] gradWeights(INDArray x, INDArray gradOut, INDArray gradW) {
        INDArray blocked = Dnnl.buffer(Dnnl.bytes(diffWeights));
        INDArray gradB = hasBias ? Nd4j.createUninitialized(DataType.FLOAT, geometry.outC()) : null;
        Dnnl.Memory s = Dnnl.wrap(src, ConvForward.dense(x));
        Dnnl.Memory dd = Dnnl.wrap(dst, ConvForward.dense(gradOut));
        Dnnl.Memory dw = Dnnl.wrap(diffWeights, blocked);
        Dnnl.Memory db = hasBias ? Dnnl.wrap(bias, gradB) : null;
        Dnnl.Memory p = Dnnl.scratchpad(weightsPd);
        try {
            Dnnl.execute(weights, new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS,
                    DNNL_ARG_SCRATCHPAD}, new Dnnl.Memory[] {s, dd, dw, db, p}, "backward-weights convolution");
        } finally {
            Dnnl.destroy(s, dd, dw, db, p);
        }
        Dnnl.reorderInto(blocked, diffWeights, gradW, geometry.userWeights());
        return new INDArray[] {gradW, gradB};
    }
}
