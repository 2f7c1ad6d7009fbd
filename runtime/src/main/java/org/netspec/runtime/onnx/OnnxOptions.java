package org.netspec.runtime.onnx;

/**
 * How a model is exported.
 *
 * @param foldBatchNorm fold each batch norm that follows a conv into that conv's weights and bias
 *                      (fewer nodes; what NetSpec itself runs in evaluation) instead of exporting
 *                      it as an inference-form {@code BatchNormalization} node
 */
public record OnnxOptions(boolean foldBatchNorm) {
    /** Batch norms as {@code BatchNormalization} nodes, every checkpoint tensor as it is. */
    public static OnnxOptions defaults() {
        return new OnnxOptions(false);
    }

    public OnnxOptions withFoldedBatchNorm(boolean fold) {
        return new OnnxOptions(fold);
    }
}
