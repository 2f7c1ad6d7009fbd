package org.netspec.runtime.dnnl;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SCALE_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MEAN;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCALE_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_VARIANCE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.dnnl_backward;
import static org.bytedeco.dnnl.global.dnnl.dnnl_batch_normalization_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_batch_normalization_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_fuse_norm_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nhwc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_scratchpad_mode;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_workspace_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_scratchpad_mode_user;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_scaleshift;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch norm with batch statistics through oneDNN, forward and backward, on float32 batches of one
 * size and layout (NHWC, a layout a convolution chose, or N x C): one pass computes mean and biased variance and normalises; backward
 * gives the input's, scale's and shift's gradients. Running statistics are the caller's.
 */
public final class BatchNormTraining {
    private final dnnl_memory_desc_t data;
    private final dnnl_memory_desc_t channels;
    /** gamma and beta as one 2 x C tensor: the scale-and-shift form that both directions support. */
    private final dnnl_memory_desc_t scaleShift;
    private final dnnl_primitive_desc forwardPd;
    private final dnnl_primitive forward;
    private final dnnl_primitive_desc backwardPd;
    private final dnnl_primitive backward;

    private final boolean fusedRelu;
    private final long workspaceBytes;

    /**
     * For batches of {@code shape}: [N, H, W, C] (in {@code layout}; null: NHWC) or [N, C]; with {@code fusedRelu} the output is
     * rectified in the same pass, and backward masks the gradient with what forward kept.
     */
    public BatchNormTraining(long[] shape, Layout layout, float epsilon, boolean fusedRelu) {
        this.fusedRelu = fusedRelu;
        long c = shape[shape.length - 1];
        this.data = shape.length == 2 ? Dnnl.desc(new long[] {shape[0], c}, dnnl_nc)
                : layout != null ? layout.md
                : Dnnl.desc(new long[] {shape[0], c, shape[1], shape[2]}, dnnl_nhwc);
        this.channels = Dnnl.desc(new long[] {c}, dnnl_x);
        this.scaleShift = Dnnl.desc(new long[] {2, c}, dnnl_nc);
        int flags = dnnl_use_scaleshift | (fusedRelu ? dnnl_fuse_norm_relu : 0);
        dnnl_primitive_attr attr = new dnnl_primitive_attr();
        Dnnl.check(dnnl_primitive_attr_create(attr), "attributes");
        try {
            Dnnl.check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
            dnnl_batch_normalization_desc_t fd = new dnnl_batch_normalization_desc_t();
            Dnnl.check(dnnl_batch_normalization_forward_desc_init(fd, dnnl_forward_training, data, epsilon, flags),
                    "batch norm description");
            forwardPd = new dnnl_primitive_desc();
            Dnnl.check(dnnl_primitive_desc_create(forwardPd, new const_dnnl_op_desc_t(fd), attr, Dnnl.engine(), null),
                    "batch norm");
            dnnl_batch_normalization_desc_t bd = new dnnl_batch_normalization_desc_t();
            Dnnl.check(dnnl_batch_normalization_backward_desc_init(bd, dnnl_backward, data, data, epsilon, flags),
                    "batch norm backward description");
            backwardPd = new dnnl_primitive_desc();
            Dnnl.check(dnnl_primitive_desc_create(backwardPd, new const_dnnl_op_desc_t(bd), attr, Dnnl.engine(), forwardPd),
                    "batch norm backward");
        } finally {
            dnnl_primitive_attr_destroy(attr);
        }
        workspaceBytes = fusedRelu ? Dnnl.bytes(dnnl_primitive_desc_query_md(forwardPd, dnnl_query_workspace_md, 0)) : 0;
        forward = Dnnl.primitive(forwardPd, "batch norm");
        backward = Dnnl.primitive(backwardPd, "batch norm backward");
    }

    /**
     * The normalised (and, when fused, rectified) batch, the batch mean and biased variance it
     * used, and what backward needs of the relu (null when not fused): {y, mean, var, workspace}.
     */
    public INDArray[] forward(INDArray x, INDArray gamma, INDArray beta) {
        INDArray y = Dnnl.uninitialized(x.shape());
        long c = x.size(x.rank() - 1);
        INDArray mean = Nd4j.createUninitialized(DataType.FLOAT, c);
        INDArray var = Nd4j.createUninitialized(DataType.FLOAT, c);
        INDArray workspace = fusedRelu ? Dnnl.buffer(workspaceBytes) : null;
        INDArray weights = Nd4j.vstack(gamma.reshape(1, c), beta.reshape(1, c)).castTo(DataType.FLOAT);
        Dnnl.Memory[] m = {Dnnl.wrap(data, ConvForward.dense(x)), Dnnl.wrap(scaleShift, weights),
                Dnnl.wrap(data, y), Dnnl.wrap(channels, mean),
                Dnnl.wrap(channels, var), Dnnl.scratchpad(forwardPd),
                workspace == null ? null
                        : Dnnl.wrap(dnnl_primitive_desc_query_md(forwardPd, dnnl_query_workspace_md, 0), workspace)};
        try {
            Dnnl.execute(forward, new int[] {DNNL_ARG_SRC, DNNL_ARG_SCALE_SHIFT, DNNL_ARG_DST, DNNL_ARG_MEAN,
                    DNNL_ARG_VARIANCE, DNNL_ARG_SCRATCHPAD, DNNL_ARG_WORKSPACE}, m, "batch norm");
        } finally {
            Dnnl.destroy(m);
        }
        return new INDArray[] {y, mean, var, workspace};
    }

    /**
     * Gradients {input, scale, shift} from the forward's input, statistics, workspace (null when
     * not fused) and the output's gradient; the input's is written into {@code gradIn}.
     */
    public INDArray[] backward(INDArray x, INDArray gradOut, INDArray gamma, INDArray mean, INDArray var,
                               INDArray workspace, INDArray gradIn) {
        long c = x.size(x.rank() - 1);
        // backward reads only the scale row; the shift row is there for the layout
        INDArray weights = Nd4j.vstack(gamma.reshape(1, c), gamma.reshape(1, c)).castTo(DataType.FLOAT);
        INDArray gradWeights = Nd4j.createUninitialized(DataType.FLOAT, 2, c);
        Dnnl.Memory[] m = {Dnnl.wrap(data, ConvForward.dense(x)), Dnnl.wrap(data, ConvForward.dense(gradOut)),
                Dnnl.wrap(scaleShift, weights), Dnnl.wrap(channels, mean), Dnnl.wrap(channels, var),
                Dnnl.wrap(data, gradIn), Dnnl.wrap(scaleShift, gradWeights),
                Dnnl.scratchpad(backwardPd),
                workspace == null ? null
                        : Dnnl.wrap(dnnl_primitive_desc_query_md(forwardPd, dnnl_query_workspace_md, 0), workspace)};
        try {
            Dnnl.execute(backward, new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_SCALE_SHIFT, DNNL_ARG_MEAN,
                    DNNL_ARG_VARIANCE, DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE_SHIFT, DNNL_ARG_SCRATCHPAD, DNNL_ARG_WORKSPACE},
                    m, "batch norm backward");
        } finally {
            Dnnl.destroy(m);
        }
        return new INDArray[] {gradIn, gradWeights.getRow(0).dup(), gradWeights.getRow(1).dup()};
    }
}
