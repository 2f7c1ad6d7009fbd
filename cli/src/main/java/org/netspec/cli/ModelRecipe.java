package org.netspec.cli;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import org.netspec.runtime.model.Model;

/**
 * How to build a model from a spec on any JVM that can read the spec file: what {@code --spec}
 * and {@code --model} say, with the input shape and the seed. Serializable, so that the workers
 * of a cluster (module {@code netspec-spark}) build the same model the command line does.
 *
 * @param spec   the spec file; on a cluster, a path every executor can read
 * @param model  a model name or a call such as {@code ResNet(block: BasicBlock, stages: [2, 2])}
 * @param input  C, H, W of the inputs; null for the model's own
 */
public record ModelRecipe(String spec, String model, int[] input, long seed) implements Serializable {

    /** Builds the model; a spec with errors is an {@link IllegalArgumentException} carrying its diagnostics. */
    public Model build() throws IOException {
        try {
            return ModelLoader.load(Path.of(spec), model, input, seed);
        } catch (ModelLoader.SpecException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }
}
