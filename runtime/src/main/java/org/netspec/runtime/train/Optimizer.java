package org.netspec.runtime.train;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Updates parameters in place from their gradients. Its state (momentum buffers, Adam moments,
 * step count) is exposed by name so that checkpoints can save and restore it exactly.
 */
public interface Optimizer {
    void step(Map<String, INDArray> parameters, Map<String, INDArray> gradients, double learningRate);

    /** Buffers by name ({@code momentum.layer1.0.conv1.weight}, ...), live: restoring assigns into them. */
    Map<String, INDArray> state();

    /** Restores buffers saved from {@link #state()}; unknown names are an error. */
    void restore(Map<String, INDArray> saved);

    /** Weight decay applies to conv and dense weights only, not to norms and biases (1-D tensors). */
    static boolean decays(INDArray parameter) {
        return parameter.rank() > 1;
    }
}
