package org.netspec.dsl.ir;

import java.util.List;

/**
 * A parameter or state tensor of a layer, under its checkpoint name
 * ({@code layer1.0.conv1.weight}). Shapes follow PyTorch's conventions (conv weights OIHW,
 * dense weights [out, in]) so that names and shapes line up with torchvision state_dicts.
 */
public record Tensor(String name, List<Integer> shape, Kind kind) {
    public enum Kind {
        /** Trained by the optimizer. */
        PARAMETER,
        /** Updated by the forward pass in training mode (batch-norm running statistics). */
        STATE
    }

    public Tensor {
        shape = List.copyOf(shape);
    }

    public long elements() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }
}
