package org.netspec.runtime.dnnl;

import static org.bytedeco.dnnl.global.dnnl.dnnl_goihw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nhwc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_oihw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;

import org.bytedeco.dnnl.dnnl_memory_desc_t;

/**
 * Everything about a 2-d convolution but the batch size: channels and spatial sizes in and out,
 * kernel, stride, explicit pads {top, bottom, left, right}, dilation and groups. Activations are
 * NHWC; weights are PyTorch's [out, in / groups, kh, kw].
 */
public record ConvGeometry(int inC, int inH, int inW, int outC, int outH, int outW, int kh, int kw, int sh, int sw,
                           int[] pads, int dh, int dw, int groups) {

    dnnl_memory_desc_t src(long batch) {
        return Dnnl.desc(new long[] {batch, inC, inH, inW}, dnnl_nhwc);
    }

    dnnl_memory_desc_t dst(long batch) {
        return Dnnl.desc(new long[] {batch, outC, outH, outW}, dnnl_nhwc);
    }

    /** Weights as ND4J holds them: OIHW, or GOIHW split by groups (the same bytes). */
    dnnl_memory_desc_t userWeights() {
        return Dnnl.desc(weightDims(), groups == 1 ? dnnl_oihw : dnnl_goihw);
    }

    long[] weightDims() {
        return groups == 1
                ? new long[] {outC, inC, kh, kw}
                : new long[] {groups, outC / groups, inC / groups, kh, kw};
    }

    dnnl_memory_desc_t bias() {
        return Dnnl.desc(new long[] {outC}, dnnl_x);
    }

    long[] strides() {
        return new long[] {sh, sw};
    }

    /** oneDNN counts dilation from 0 (no holes). */
    long[] dilation() {
        return new long[] {dh - 1, dw - 1};
    }

    long[] padBefore() {
        return new long[] {pads[0], pads[2]};
    }

    long[] padAfter() {
        return new long[] {pads[1], pads[3]};
    }
}
