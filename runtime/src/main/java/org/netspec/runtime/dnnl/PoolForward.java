package org.netspec.runtime.dnnl;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nhwc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_avg_include_padding;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_max;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_scratchpad_mode;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_dst_md;
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
 * Max or average pooling (padding cells counted, as PyTorch's default) for evaluation, in NHWC or
 * the layout of its input, for one window geometry and batch size. Training keeps libnd4j's pooling, whose
 * backward pairs with it.
 */
public final class PoolForward {
    private final ConvGeometry geometry;
    private final dnnl_memory_desc_t src;
    private final dnnl_memory_desc_t dst;
    private final Layout dstLayout;
    private final dnnl_primitive_desc pd;
    private final dnnl_primitive primitive;

    /** {@code g}'s channels, sizes, kernel, stride and pads (its dilation and groups are 1). */
    public PoolForward(ConvGeometry g, long batch, boolean max, Layout layout) {
        this.geometry = g;
        this.src = layout != null ? layout.md : g.src(batch);
        // the output in the input's layout family: oneDNN picks it from the source's
        dnnl_memory_desc_t anyDst = Dnnl.desc(new long[] {batch, g.outC(), g.outH(), g.outW()},
                layout != null ? dnnl_format_tag_any : dnnl_nhwc);
        dnnl_pooling_desc_t desc = new dnnl_pooling_desc_t();
        Dnnl.check(dnnl_pooling_forward_desc_init(desc, dnnl_forward_inference,
                max ? dnnl_pooling_max : dnnl_pooling_avg_include_padding, src, anyDst, g.strides(),
                new long[] {g.kh(), g.kw()}, g.padBefore(), g.padAfter()), "pooling description " + g);
        dnnl_primitive_attr attr = new dnnl_primitive_attr();
        Dnnl.check(dnnl_primitive_attr_create(attr), "attributes");
        try {
            Dnnl.check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
            pd = new dnnl_primitive_desc();
            Dnnl.check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(desc), attr, Dnnl.engine(), null),
                    "pooling " + g);
        } finally {
            dnnl_primitive_attr_destroy(attr);
        }
        dstLayout = new Layout(dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
        dst = dstLayout.md;
        primitive = Dnnl.primitive(pd, "pooling");
    }

    /** The layout of the output: the input's, or NHWC. */
    public Layout dstLayout() {
        return dstLayout;
    }

    public INDArray run(INDArray x) {
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, x.size(0), geometry.outH(), geometry.outW(), geometry.outC());
        Dnnl.Memory s = Dnnl.wrap(src, ConvForward.dense(x));
        Dnnl.Memory d = Dnnl.wrap(dst, out);
        Dnnl.Memory p = Dnnl.scratchpad(pd);
        try {
            Dnnl.execute(primitive, new int[] {DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_SCRATCHPAD}, new Dnnl.Memory[] {s, d, p},
                    "pooling");
        } finally {
            Dnnl.destroy(s, d, p);
        }
        return out;
    }
}
