package org.netspec.runtime.model;

import java.util.function.BiFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Hand-written network bodies for tests: a path, an output shape and what forward runs. */
public final class TestLayers {
    private TestLayers() {}

    public static Layer of(String path, Shape output, BiFunction<INDArray, Context, INDArray> forward) {
        return new Layer() {
            @Override
            public String path() {
                return path;
            }

            @Override
            public Shape output() {
                return output;
            }

            @Override
            public INDArray forward(INDArray x, Context ctx) {
                return forward.apply(x, ctx);
            }
        };
    }
}
