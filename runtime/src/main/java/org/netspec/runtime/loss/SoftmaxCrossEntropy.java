package org.netspec.runtime.loss;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Mean softmax cross-entropy over a batch, with optional label smoothing (PyTorch's
 * {@code label_smoothing}: targets {@code (1 - s)} on the label plus {@code s / classes} everywhere).
 */
public final class SoftmaxCrossEntropy {
    private SoftmaxCrossEntropy() {}

    /** The loss and its gradient with respect to the logits. */
    public record Result(double loss, INDArray gradient) {}

    /**
     * @param logits [N, classes]
     * @param labels N class indices (any integer or float type)
     */
    public static Result of(INDArray logits, INDArray labels, double smoothing) {
        long n = logits.size(0);
        long classes = logits.size(1);
        if (labels.length() != n) {
            throw new IllegalArgumentException("got " + labels.length() + " labels for " + n + " logits");
        }
        INDArray shifted = logits.subColumnVector(logits.max(1).reshape(n, 1));
        INDArray exp = Transforms.exp(shifted, true);
        INDArray sum = exp.sum(1).reshape(n, 1);
        INDArray logProbs = shifted.subColumnVector(Transforms.log(sum, true));
        INDArray targets = Nd4j.zeros(logits.dataType(), n, classes).addi(smoothing / classes);
        for (long i = 0; i < n; i++) {
            long label = labels.getLong(i);
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("label " + label + " of example " + i + " is outside 0.." + (classes - 1));
            }
            targets.putScalar(i, label, targets.getDouble(i, label) + 1 - smoothing);
        }
        double loss = -targets.mul(logProbs).sumNumber().doubleValue() / n;
        INDArray probs = exp.diviColumnVector(sum);
        return new Result(loss, probs.subi(targets).divi(n));
    }
}
