package org.netspec.dsl.ir;

import java.util.List;
import java.util.Map;
import org.netspec.dsl.diag.Pos;

/**
 * One op of an elaborated network, in execution order.
 *
 * @param id      value number of this layer's output; 0 is the network input
 * @param name    full dotted layer name, unique in the model ({@code layer2.0.downsample.0})
 * @param op      op name from the catalogue ({@code conv}, {@code batchnorm}, {@code add}, ...)
 * @param attrs   the op's fully resolved arguments, in declaration order
 * @param inputs  value numbers this layer reads
 * @param scope   name of the enclosing block instance, "" at top level
 * @param source  where in the spec this layer was written
 */
public record Layer(int id, String name, String op, Map<String, Object> attrs, List<Integer> inputs,
                    List<Shape> inputShapes, Shape output, long params, long macs, List<Tensor> tensors,
                    String scope, Pos source) {
    public Layer {
        attrs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(attrs));
        inputs = List.copyOf(inputs);
        inputShapes = List.copyOf(inputShapes);
        tensors = List.copyOf(tensors);
    }
}
