package org.netspec.runtime.dnnl;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_dilated_convolution_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_eltwise;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_sum;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_post_ops;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_scratchpad_mode;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_scratchpad_mode_user;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A oneDNN forward convolution for one geometry and batch size, NHWC in and out or in the layouts
 * oneDNN prefers on this CPU, with the weights in whatever blocked layout it prefers ({@link #prepare} re-lays them out once), and optional
 * fused post-ops: add what the output already holds (a residual), then ReLU.
 *
 * <p>The primitive is immutable once built and runs from several threads at once: every call
 * wraps its own arrays and brings its own scratchpad.
 */
public final class ConvForward {
    private final ConvGeometry geometry;
    private final long batch;
    private final boolean hasBias;
    private final boolean training;
    private final Fused fused;
    final dnnl_primitive_desc pd;
    private final dnnl_primitive primitive;
    private final dnnl_memory_desc_t src;
    private final dnnl_memory_desc_t dst;
    private final dnnl_memory_desc_t weights;
    private final dnnl_memory_desc_t bias;
    private final Layout srcLayout;
    private final Layout dstLayout;

    /** Post-ops fused after the convolution and its bias. */
    public enum Fused {
        NONE, RELU, ADD_RELU
    }

    /**
     * With {@code chooseLayouts}, oneDNN picks the layouts of source and destination for this CPU
     * ({@link #srcLayout()}, {@link #dstLayout()}); a choice that pads channels, or that only
     * oneDNN's reference loops run, falls back to NHWC.
     */
    public ConvForward(ConvGeometry g, long batch, boolean hasBias, boolean training, Fused fused, boolean chooseLayouts) {
        this.geometry = g;
        this.batch = batch;
        this.hasBias = hasBias;
        this.training = training;
        this.fused = fused;
        this.bias = hasBias ? g.bias() : null;
        dnnl_primitive_desc chosen = null;
        if (chooseLayouts) {
            dnnl_memory_desc_t any = Dnnl.desc(new long[] {batch, g.inC(), g.inH(), g.inW()}, dnnl_format_tag_any);
            dnnl_memory_desc_t anyDst = Dnnl.desc(new long[] {batch, g.outC(), g.outH(), g.outW()}, dnnl_format_tag_any);
            chosen = create(any, anyDst);
            Layout s = new Layout(dnnl_primitive_desc_query_md(chosen, dnnl_query_src_md, 0));
            Layout d = new Layout(dnnl_primitive_desc_query_md(chosen, dnnl_query_dst_md, 0));
            if (!s.unpadded() || !d.unpadded() || Dnnl.reference(chosen)) {
                dnnl_primitive_desc_destroy(chosen);
                chosen = null;
            }
        }
        this.pd = chosen != null ? chosen : create(g.src(batch), g.dst(batch));
        this.srcLayout = new Layout(dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0));
        this.dstLayout = new Layout(dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
        this.src = srcLayout.md;
        this.dst = dstLayout.md;
        this.weights = copy(dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0));
        this.primitive = Dnnl.primitive(pd, "convolution");
    }

    private dnnl_primitive_desc create(dnnl_memory_desc_t srcMd, dnnl_memory_desc_t dstMd) {
        ConvGeometry g = geometry;
        dnnl_memory_desc_t anyWeights = Dnnl.desc(g.weightDims(), dnnl_format_tag_any);
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        Dnnl.check(dnnl_dilated_convolution_forward_desc_init(desc, training ? dnnl_forward_training : dnnl_forward_inference,
                dnnl_convolution_direct, srcMd, anyWeights, bias, dstMd, g.strides(), g.dilation(), g.padBefore(),
                g.padAfter()), "convolution description " + g);
        dnnl_primitive_attr attr = new dnnl_primitive_attr();
        Dnnl.check(dnnl_primitive_attr_create(attr), "attributes");
        dnnl_post_ops ops = new dnnl_post_ops();
        try {
            Dnnl.check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
            if (fused != Fused.NONE) {
                Dnnl.check(dnnl_post_ops_create(ops), "post-ops");
                if (fused == Fused.ADD_RELU) {
                    Dnnl.check(dnnl_post_ops_append_sum(ops, 1f), "sum post-op");
                }
                Dnnl.check(dnnl_post_ops_append_eltwise(ops, 1f, dnnl_eltwise_relu, 0f, 0f), "relu post-op");
                Dnnl.check(dnnl_primitive_attr_set_post_ops(attr, ops), "post-ops");
            }
            dnnl_primitive_desc created = new dnnl_primitive_desc();
            Dnnl.check(dnnl_primitive_desc_create(created, new const_dnnl_op_desc_t(desc), attr, Dnnl.engine(), null),
                    "convolution " + g);
            return created;
        } finally {
            if (fused != Fused.NONE) {
                dnnl_post_ops_destroy(ops);
            }
            dnnl_primitive_attr_destroy(attr);
        }
    }

    /** The layout the convolution reads its input in. */
    public Layout srcLayout() {
        return srcLayout;
    }

    /** The layout it writes its output in. */
    public Layout dstLayout() {
        return dstLayout;
    }

    static dnnl_memory_desc_t copy(dnnl_memory_desc_t queried) {
        dnnl_memory_desc_t md = new dnnl_memory_desc_t();
        md.put(queried);
        return md;
    }

    public long batch() {
        return batch;
    }

    public Fused fused() {
        return fused;
    }

    public boolean training() {
        return training;
    }

    /**
     * The weights ([out, in / groups, kh, kw], float32) re-laid out for this primitive: for
     * evaluation outside any workspace, to keep and reuse; for training in the pass's workspace.
     */
    public INDArray prepare(INDArray weightsOihw) {
        return Dnnl.reorder(dense(weightsOihw), geometry.userWeights(), weights, !training);
    }

    /**
     * Runs on {@code x} (in {@link #srcLayout()}) into {@code out} (in {@link #dstLayout()}); with {@link Fused#ADD_RELU}, {@code out} must
     * already hold the residual to add.
     */
    public void run(INDArray x, INDArray preparedWeights, INDArray biasValues, INDArray out) {
        Dnnl.Memory s = Dnnl.wrap(src, dense(x));
        Dnnl.Memory w = Dnnl.wrap(weights, preparedWeights);
        Dnnl.Memory b = hasBias ? Dnnl.wrap(bias, dense(biasValues)) : null;
        Dnnl.Memory d = Dnnl.wrap(dst, out);
        Dnnl.Memory p = Dnnl.scratchpad(pd);
        try {
            Dnnl.execute(primitive, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST, DNNL_ARG_SCRATCHPAD},
                    new Dnnl.Memory[] {s, w, b, d, p}, "convolution");
        } finally {
            Dnnl.destroy(s, w, b, d, p);
        }
    }

    static INDArray dense(INDArray a) {
        return a.ordering() == 'c' && a.elementWiseStride() == 1 && a.dataType() == DataType.FLOAT ? a
                : a.castTo(DataType.FLOAT).dup('c');
    }
}
