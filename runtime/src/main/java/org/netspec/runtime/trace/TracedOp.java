package org.netspec.runtime.trace;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One op of a traced evaluation pass, as data: what ran, on which values, with which settings.
 *
 * @param layer      the layer's full name ({@code layer1.0.conv1}); for parameterless ops (relu, add)
 *                   the block they ran in plus the op ({@code layer1.0.relu}), made unique by the trace
 * @param op         the op's name in the language ({@code conv}, {@code batchnorm}, {@code add+relu}, ...)
 * @param inputs     the arrays it read (NetSpec's NHWC layout), compared by identity
 * @param output     the array it returned (may be one of its inputs: identity, dropout in evaluation)
 * @param attributes resolved settings: kernel, strides, pads (top, bottom, left, right), epsilon, ...
 * @param tensors    the layer's own tensors by role ({@code weight}, {@code running_mean}); the
 *                   checkpoint name of each is {@code layer + "." + role}
 */
public record TracedOp(String layer, String op, List<INDArray> inputs, INDArray output, Map<String, Object> attributes,
                       Map<String, INDArray> tensors) {

    public INDArray input() {
        return inputs.get(0);
    }

    public int intAttribute(String name) {
        return ((Number) attributes.get(name)).intValue();
    }

    public int[] intsAttribute(String name) {
        return (int[]) attributes.get(name);
    }

    public double doubleAttribute(String name) {
        return ((Number) attributes.get(name)).doubleValue();
    }

    public boolean boolAttribute(String name) {
        return Boolean.TRUE.equals(attributes.get(name));
    }
}
