package org.netspec.runtime.dnnl;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_add;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_winograd;
import static org.bytedeco.dnnl.global.dnnl.dnnl_dilated_convolution_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw16c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw8c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_binary;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_eltwise;
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
 * fused post-ops: ReLU, or a residual read from another array added before the ReLU.
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
    /** oneDNN's algorithm: direct, or Winograd (see {@link #WINOGRAD}). */
    private final int algorithm;
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
        NONE, RELU,
        /** {@code relu(conv(x) + residual)}, the residual read from its own array ({@link #runAdding}). */
        RESIDUAL_RELU
    }

    /**
     * With {@code chooseLayouts}, oneDNN picks the layouts of source and destination for this CPU
     * ({@link #srcLayout()}, {@link #dstLayout()}), channel-blocked ones first (see
     * {@link #PREFER_BLOCKED}); a choice that pads channels, or that only oneDNN's reference loops
     * run, falls back to NHWC.
     */
    public ConvForward(ConvGeometry g, long batch, boolean hasBias, boolean training, Fused fused, boolean chooseLayouts) {
        this.geometry = g;
        this.batch = batch;
        this.hasBias = hasBias;
        this.training = training;
        this.fused = fused;
        this.bias = hasBias ? g.bias() : null;
        dnnl_primitive_desc chosen = null;
        int alg = dnnl_convolution_direct;
        if (chooseLayouts) {
            long[] in = {batch, g.inC(), g.inH(), g.inW()};
            long[] out = {batch, g.outC(), g.outH(), g.outW()};
            if (WINOGRAD && !training && g.kh() == 3 && g.kw() == 3 && g.sh() == 1 && g.sw() == 1 && g.dh() == 1
                    && g.dw() == 1 && g.groups() == 1) {
                chosen = usable(tryCreate(dnnl_convolution_winograd, fused, Dnnl.desc(in, dnnl_format_tag_any),
                        Dnnl.desc(out, dnnl_format_tag_any)));
                alg = chosen != null ? dnnl_convolution_winograd : alg;
            }
            if (chosen == null) {
                chosen = usable(create(alg, fused, Dnnl.desc(in, dnnl_format_tag_any), Dnnl.desc(out, dnnl_format_tag_any)));
            }
            if (alg == dnnl_convolution_direct && PREFER_BLOCKED && chosen != null && new Layout(dnnl_primitive_desc_query_md(chosen, dnnl_query_dst_md, 0)).isNhwc()) {
                for (int[] blocked : BLOCKED) {
                    int srcTag = g.inC() % blocked[1] == 0 ? blocked[0] : dnnl_format_tag_any; // a 3-channel image stays plain
                    dnnl_primitive_desc pd = usable(tryCreate(alg, fused, Dnnl.desc(in, srcTag), Dnnl.desc(out, blocked[0])));
                    if (pd != null) {
                        dnnl_primitive_desc_destroy(chosen);
                        chosen = pd;
                        break;
                    }
                }
            }
        }
        this.algorithm = alg;
        this.pd = chosen != null ? chosen : create(alg, fused, g.src(batch), g.dst(batch));
        this.srcLayout = new Layout(dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0));
        this.dstLayout = new Layout(dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
        this.src = srcLayout.md;
        this.dst = dstLayout.md;
        this.weights = copy(dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0));
        this.primitive = Dnnl.primitive(pd, "convolution");
    }

    /**
     * Channel-blocked layouts (format tag, channels per block), widest first: where oneDNN's own
     * pick for an evaluation convolution is NHWC (its "brgconv" kernels on AVX-512), its
     * channel-blocked kernels run instead when it has optimised ones. Measured on a 2-core
     * AVX-512 Xeon (oneDNN 2.5, 2026-12-03): ResNet-50's convolutions at batch 8 took 166 ms
     * blocked against 178 ms NHWC, equal at batch 1, and only the blocked kernels add a residual
     * as a post-op at full speed (NHWC 1x1 convolutions with it ran at ~60 %). On AVX2 oneDNN
     * picks nChw8c itself. {@code -Dnetspec.layouts=onednn} keeps oneDNN's pick, to compare.
     */
    private static final int[][] BLOCKED = {{dnnl_nChw16c, 16}, {dnnl_nChw8c, 8}};

    private static final boolean PREFER_BLOCKED = !"onednn".equals(System.getProperty("netspec.layouts"));

    /** {@code pd} when its layouts pad no channels and it runs an optimised kernel; else null (and destroyed). */
    private static dnnl_primitive_desc usable(dnnl_primitive_desc pd) {
        if (pd == null) {
            return null;
        }
        Layout s = new Layout(dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0));
        Layout d = new Layout(dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
        if (!s.unpadded() || !d.unpadded() || Dnnl.reference(pd)) {
            dnnl_primitive_desc_destroy(pd);
            return null;
        }
        return pd;
    }

    /** {@link #create}, or null where oneDNN has no implementation for these layouts. */
    private dnnl_primitive_desc tryCreate(int algorithm, Fused fused, dnnl_memory_desc_t srcMd, dnnl_memory_desc_t dstMd) {
        try {
            return create(algorithm, fused, srcMd, dstMd);
        } catch (IllegalStateException unimplemented) {
            return null;
        }
    }

    /**
     * Winograd's algorithm for evaluation's 3x3 stride-1 convolutions, where oneDNN has an
     * optimised kernel for it on this CPU (AVX-512: F(2x2, 3x3) or F(4x4, 3x3) by shape; none on
     * AVX2, which keeps the direct one). Measured on the 2-core AVX-512 Xeon (oneDNN 2.5,
     * 2026-12-03), ResNet-50 at batch 1: its 3x3 stride-1 convolutions 1.5-1.6x as fast (256
     * channels at 14x14: 2.6 against 4.0 ms), equal at 7x7. Its results still agree with float64
     * to the 1e-4 of OneDnnAgreementTest and with torchvision to TorchvisionParityTest's 1e-4.
     * Training keeps the direct algorithm: Winograd made the ResNet-50 step at batch 8 ~6 %
     * faster there but raised its peak resident memory from 1,440 to 1,620 MB (its transforms'
     * scratch), to PyTorch's level. {@code -Dnetspec.winograd=false} turns it off, to compare.
     */
    private static final boolean WINOGRAD = !"false".equals(System.getProperty("netspec.winograd"));

    /** {@code plain}'s convolution as {@code pd}, a {@link Fused#RESIDUAL_RELU} one in its layouts; see {@link #withResidual}. */
    private ConvForward(ConvForward plain, dnnl_primitive_desc pd) {
        this.geometry = plain.geometry;
        this.batch = plain.batch;
        this.hasBias = plain.hasBias;
        this.training = plain.training;
        this.fused = Fused.RESIDUAL_RELU;
        this.bias = plain.bias;
        this.algorithm = plain.algorithm;
        this.pd = pd;
        this.srcLayout = plain.srcLayout;
        this.dstLayout = plain.dstLayout;
        this.src = plain.src;
        this.dst = plain.dst;
        this.weights = copy(dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0));
        this.primitive = Dnnl.primitive(pd, "convolution");
    }

    /**
     * This convolution (evaluation, no post-op of its own) followed by {@code relu(y + residual)}
     * with the residual in {@link #dstLayout()}, or null where oneDNN has no optimised kernel for
     * that fusion on this CPU (none at all for Winograd's algorithm, only reference loops elsewhere).
     */
    public ConvForward withResidual() {
        if (training || fused != Fused.NONE) {
            throw new IllegalStateException("a residual fuses only into an evaluation convolution without post-ops");
        }
        dnnl_primitive_desc fusedPd = tryCreate(algorithm, Fused.RESIDUAL_RELU, src, dst);
        if (fusedPd != null && Dnnl.reference(fusedPd)) {
            dnnl_primitive_desc_destroy(fusedPd);
            fusedPd = null;
        }
        return fusedPd == null ? null : new ConvForward(this, fusedPd);
    }

    /** Whether {@code prepared} (from {@link #prepare}) is laid out as this primitive reads its weights. */
    public boolean readsWeightsOf(ConvForward other) {
        return dnnl_memory_desc_equal(weights, other.weights) == 1;
    }

    private dnnl_primitive_desc create(int algorithm, Fused fused, dnnl_memory_desc_t srcMd, dnnl_memory_desc_t dstMd) {
        ConvGeometry g = geometry;
        dnnl_memory_desc_t anyWeights = Dnnl.desc(g.weightDims(), dnnl_format_tag_any);
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        Dnnl.check(dnnl_dilated_convolution_forward_desc_init(desc, training ? dnnl_forward_training : dnnl_forward_inference,
                algorithm, srcMd, anyWeights, bias, dstMd, g.strides(), g.dilation(), g.padBefore(),
                g.padAfter()), "convolution description " + g);
        dnnl_primitive_attr attr = new dnnl_primitive_attr();
        Dnnl.check(dnnl_primitive_attr_create(attr), "attributes");
        dnnl_post_ops ops = new dnnl_post_ops();
        try {
            Dnnl.check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
            if (fused != Fused.NONE) {
                Dnnl.check(dnnl_post_ops_create(ops), "post-ops");
                if (fused == Fused.RESIDUAL_RELU) {
                    Dnnl.check(dnnl_post_ops_append_binary(ops, dnnl_binary_add, dstMd), "residual post-op");
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

    /** Runs on {@code x} (in {@link #srcLayout()}) into {@code out} (in {@link #dstLayout()}). */
    public void run(INDArray x, INDArray preparedWeights, INDArray biasValues, INDArray out) {
        if (fused == Fused.RESIDUAL_RELU) {
            throw new IllegalStateException("this convolution adds a residual: runAdding");
        }
        runAdding(x, preparedWeights, biasValues, null, out);
    }

    /**
     * Runs on {@code x} into {@code out}, adding {@code residual} (in {@link #dstLayout()}, not
     * changed) before the relu: a {@link Fused#RESIDUAL_RELU} convolution.
     */
    public void runAdding(INDArray x, INDArray preparedWeights, INDArray biasValues, INDArray residual, INDArray out) {
        if ((residual != null) != (fused == Fused.RESIDUAL_RELU)) {
            throw new IllegalArgumentException("a residual goes with Fused.RESIDUAL_RELU, and only with it");
        }
        Dnnl.Memory s = Dnnl.wrap(src, dense(x));
        Dnnl.Memory w = Dnnl.wrap(weights, preparedWeights);
        Dnnl.Memory b = hasBias ? Dnnl.wrap(bias, dense(biasValues)) : null;
        Dnnl.Memory d = Dnnl.wrap(dst, out);
        Dnnl.Memory r = residual == null ? null : Dnnl.wrap(dst, dense(residual));
        Dnnl.Memory p = Dnnl.scratchpad(pd);
        try {
            Dnnl.execute(primitive, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST,
                    DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE | DNNL_ARG_SRC_1, DNNL_ARG_SCRATCHPAD},
                    new Dnnl.Memory[] {s, w, b, d, r, p}, "convolution");
        } finally {
            Dnnl.destroy(s, w, b, d, r, p);
        }
    }

    static INDArray dense(INDArray a) {
        return a.ordering() == 'c' && a.elementWiseStride() == 1 && a.dataType() == DataType.FLOAT ? a
                : a.castTo(DataType.FLOAT).dup('c');
    }
}
