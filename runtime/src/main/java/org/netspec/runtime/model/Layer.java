package org.netspec.runtime.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** A layer or block of a built model: its output shape is fixed when it is built. */
public interface Layer {
    /** Full dotted name ({@code layer2.0.conv1}), the prefix of its checkpoint tensors. */
    String path();

    Shape output();

    /** Runs on a batch: NHWC for feature maps, N x F for flat values. */
    INDArray forward(INDArray x, Context ctx);
}
