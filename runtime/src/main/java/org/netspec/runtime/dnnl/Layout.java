package org.netspec.runtime.dnnl;

import static org.bytedeco.dnnl.global.dnnl.dnnl_blocked;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nhwc;

import org.bytedeco.dnnl.dnnl_blocking_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How the bytes of a float32 activation are laid out: NHWC, or a layout oneDNN chose for the CPU
 * it runs on (channel blocks such as nChw8c on AVX2, nChw16c on AVX-512). Only layouts without
 * padded channels are used, so an array of the activation's [N, H, W, C] shape holds either, and
 * elementwise ops (relu, add) run on it unchanged as long as all operands share the layout.
 */
public final class Layout {
    final dnnl_memory_desc_t md;
    private final String name;
    private final boolean nhwc;

    Layout(dnnl_memory_desc_t md) {
        this.md = ConvForward.copy(md);
        this.name = describe(md);
        this.nhwc = dnnl_memory_desc_equal(md, Dnnl.desc(dims(md), dnnl_nhwc)) == 1;
    }

    /** NHWC for an [N, H, W, C]-shaped array (one per shape: passes ask for it every time). */
    public static Layout nhwc(INDArray x) {
        long[] s = x.shape();
        return NHWC.computeIfAbsent(java.util.List.of(s[0], s[1], s[2], s[3]),
                k -> new Layout(Dnnl.desc(new long[] {s[0], s[3], s[1], s[2]}, dnnl_nhwc)));
    }

    private static final java.util.Map<java.util.List<Long>, Layout> NHWC = new java.util.concurrent.ConcurrentHashMap<>();

    public boolean isNhwc() {
        return nhwc;
    }

    /** Whether an array of the activation's own element count holds this layout (no padded channels). */
    boolean unpadded() {
        long elements = 1;
        for (long d : dims(md)) {
            elements *= d;
        }
        return md.format_kind() == dnnl_blocked && Dnnl.bytes(md) == elements * Float.BYTES;
    }

    /** {@code x} (of this layout, [N, H, W, C]-shaped) copied into a new array of layout {@code to}. */
    public INDArray reorder(INDArray x, Layout to) {
        INDArray out = Dnnl.uninitialized(x.shape());
        Dnnl.reorderInto(ConvForward.dense(x), md, out, to.md);
        return out;
    }

    private static long[] dims(dnnl_memory_desc_t md) {
        long[] dims = new long[md.ndims()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = md.dims().get(i);
        }
        return dims;
    }

    /** Dimensions, strides and inner blocks: equal names, equal layouts. */
    private static String describe(dnnl_memory_desc_t md) {
        StringBuilder s = new StringBuilder();
        long[] dims = dims(md);
        s.append(java.util.Arrays.toString(dims)).append(" kind ").append(md.format_kind());
        if (md.format_kind() == dnnl_blocked) {
            dnnl_blocking_desc_t b = md.format_desc_blocking();
            s.append(" strides");
            for (int i = 0; i < dims.length; i++) {
                s.append(' ').append(b.strides().get(i));
            }
            for (int i = 0; i < b.inner_nblks(); i++) {
                s.append(" block ").append(b.inner_blks().get(i)).append('@').append(b.inner_idxs().get(i));
            }
        }
        return s.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Layout l && l.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return nhwc ? "nhwc" : name;
    }
}
