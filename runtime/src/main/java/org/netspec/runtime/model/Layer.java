package org.netspec.runtime.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** A layer or block of a built model: its output shape is fixed when it is built. */
public interface Layer {
    /** Full dotted name ({@code layer2.0.conv1}), the prefix of its checkpoint tensors. */
    String path();

    Shape output();

    /**
     * Runs on a batch: [N, H, W, C]-shaped feature maps, N x F flat values. A float32 feature map
     * may hold its values in a layout oneDNN chose for this CPU rather than NHWC (the context
     * knows which); {@link Model} hands out NHWC, and code running layers itself gets it with
     * {@link Context#nhwc}.
     */
    INDArray forward(INDArray x, Context ctx);
}
