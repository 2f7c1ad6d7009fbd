package org.netspec.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.netspec.runtime.model.Model;
import picocli.CommandLine.Option;

/** {@code --spec FILE --model MODEL}, shared by the commands that run a model. */
final class ModelOptions {
    @Option(names = "--spec", required = true, paramLabel = "FILE", description = "spec file (.net)")
    Path specFile;

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "model name, or a call such as 'ResNet(block: BasicBlock, stages: [2, 2, 2, 2])'")
    String model;

    /** The model for inputs of shape C, H, W; null after printing the spec's diagnostics to {@code err}. */
    Model load(int[] shape, long seed, PrintWriter err) throws IOException {
        try {
            return ModelLoader.load(specFile, model, shape, seed);
        } catch (ModelLoader.SpecException e) {
            err.print(e.getMessage());
            err.flush();
            return null;
        }
    }
}
