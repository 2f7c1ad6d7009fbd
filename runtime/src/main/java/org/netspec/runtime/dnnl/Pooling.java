package org.netspec.runtime.dnnl;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nhwc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_avg_include_padding;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_max;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_scratchpad_mode;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_workspace_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_scratchpad_mode_user;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Max or average pooling through oneDNN for one geometry and batch size, in the layout the batch
 * arrives in (no reorder to NHWC and back around it). For training, forward keeps what backward
 * needs of the max (oneDNN's workspace: where each maximum was) and backward routes the gradient
 * there; an evaluation primitive runs forward only.
 */
public final class Pooling {
    private final ConvGeometry geometry;
    private final dnnl_memory_desc_t src;
    private final dnnl_memory_desc_t dst;
    private final Layout dstLayout;
    private final dnnl_primitive_desc forwardPd;
    /** Null for evaluation. */
    private final dnnl_primitive_desc backwardPd;
    private final dnnl_primitive forward;
    private final dnnl_primitive backward;
    /** Null for average pooling, which needs no workspace, and for evaluation. */
    private final dnnl_memory_desc_t workspace;

    /**
     * {@code g}'s channels, sizes, kernel, stride and pads (its dilation and groups are 1);
     * {@code layout} the input's (null: NHWC); the output takes the input's layout family.
     */
    public Pooling(ConvGeometry g, long batch, boolean max, Layout layout, boolean training) {
        this.geometry = g;
        this.src = layout != null ? layout.md : g.src(batch);
        int alg = max ? dnnl_pooling_max : dnnl_pooling_avg_include_padding;
        long[] kernel = {g.kh(), g.kw()};
        dnnl_memory_desc_t anyDst = Dnnl.desc(new long[] {batch, g.outC(), g.outH(), g.outW()},
                layout != null ? dnnl_format_tag_any : dnnl_nhwc);
        dnnl_pooling_desc_t fd = new dnnl_pooling_desc_t();
        Dnnl.check(dnnl_pooling_forward_desc_init(fd, training ? dnnl_forward_training : dnnl_forward_inference, alg, src, anyDst, g.strides(), kernel,
                g.padBefore(), g.padAfter()), "pooling description " + g);
        dnnl_primitive_attr attr = new dnnl_primitive_attr();
        Dnnl.check(dnnl_primitive_attr_create(attr), "attributes");
        try {
            Dnnl.check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
            forwardPd = new dnnl_primitive_desc();
            Dnnl.check(dnnl_primitive_desc_create(forwardPd, new const_dnnl_op_desc_t(fd), attr, Dnnl.engine(), null),
                    "pooling " + g);
            dstLayout = new Layout(dnnl_primitive_desc_query_md(forwardPd, dnnl_query_dst_md, 0));
            dst = dstLayout.md;
            if (training) {
                dnnl_pooling_desc_t bd = new dnnl_pooling_desc_t();
                Dnnl.check(dnnl_pooling_backward_desc_init(bd, alg, src, dst, g.strides(), kernel, g.padBefore(),
                        g.padAfter()), "pooling backward description " + g);
                backwardPd = new dnnl_primitive_desc();
                Dnnl.check(dnnl_primitive_desc_create(backwardPd, new const_dnnl_op_desc_t(bd), attr, Dnnl.engine(),
                        forwardPd), "pooling backward " + g);
            } else {
                backwardPd = null;
            }
        } finally {
            dnnl_primitive_attr_destroy(attr);
        }
        workspace = max && training
                ? ConvForward.copy(dnnl_primitive_desc_query_md(forwardPd, dnnl_query_workspace_md, 0)) : null;
        forward = Dnnl.primitive(forwardPd, "pooling");
        backward = training ? Dnnl.primitive(backwardPd, "pooling backward") : null;
    }

    /** The layout of the output: the input's, or NHWC. */
    public Layout dstLayout() {
        return dstLayout;
    }

    /** The pooled batch and what backward needs of it (null for average pooling and evaluation): {out, workspace}. */
    public INDArray[] forward(INDArray x) {
        INDArray out = Dnnl.uninitialized(x.size(0), geometry.outH(), geometry.outW(), geometry.outC());
        INDArray ws = workspace == null ? null : Dnnl.buffer(Dnnl.bytes(workspace));
        Dnnl.Memory[] m = {Dnnl.wrap(src, ConvForward.dense(x)), Dnnl.wrap(dst, out), Dnnl.scratchpad(forwardPd),
                ws == null ? null : Dnnl.wrap(workspace, ws)};
        try {
            Dnnl.execute(forward, new int[] {DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_SCRATCHPAD, DNNL_ARG_WORKSPACE}, m,
                    "pooling");
        } finally {
            Dnnl.destroy(m);
        }
        return new INDArray[] {out, ws};
    }

    /** The input's gradient, written into {@code gradIn}, from the output's and the forward's workspace. */
    public INDArray backward(INDArray gradOut, INDArray ws, INDArray gradIn) {
        Dnnl.Memory[] m = {Dnnl.wrap(dst, ConvForward.dense(gradOut)), Dnnl.wrap(src, gradIn),
                Dnnl.scratchpad(backwardPd), ws == null ? null : Dnnl.wrap(workspace, ws)};
        try {
            Dnnl.execute(backward, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC, DNNL_ARG_SCRATCHPAD,
                    DNNL_ARG_WORKSPACE}, m, "pooling backward");
        } finally {
            Dnnl.destroy(m);
        }
        return gradIn;
    }
}
