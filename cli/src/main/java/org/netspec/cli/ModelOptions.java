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

    /** Whether {@code output}'s folder exists and is writable, checked before any work; false after saying why not. */
    static boolean canWrite(Path output, String command, PrintWriter err) {
        Path dir = output.toAbsolutePath().getParent();
        if (java.nio.file.Files.isDirectory(dir) && java.nio.file.Files.isWritable(dir)) {
            return true;
        }
        err.println("netspec " + command + ": cannot write " + output + ": " + dir
                + (java.nio.file.Files.isDirectory(dir) ? " is not writable" : " is not a directory"));
        return false;
    }

    /**
     * Loads {@code weights} into {@code net} (a training checkpoint's optimizer state ignored);
     * false after printing why not — a missing, unreadable or ill-fitting file is the user's
     * mistake, never an internal error.
     */
    static boolean loadWeights(Model net, Path weights, boolean flax, String command, PrintWriter err) {
        try {
            var report = net.loadWeights(weights, org.netspec.runtime.model.LoadOptions.strict().withFlax(flax));
            err.printf("loaded %d tensors from %s%s%n", report.loaded(), weights,
                    report.ignored().isEmpty() ? "" : " (ignored " + report.ignored().size() + ": num_batches_tracked"
                            + " counters, optimizer state)");
            return true;
        } catch (IllegalArgumentException e) {
            err.println("netspec " + command + ": " + e.getMessage());
        } catch (java.nio.file.NoSuchFileException e) {
            err.println("netspec " + command + ": no such file: " + weights);
        } catch (IOException e) {
            err.println("netspec " + command + ": " + e.getMessage());
            try {
                if (!flax && org.netspec.runtime.io.FlaxMsgpack.looksLikeMsgpack(weights)) {
                    err.println("netspec " + command + ": " + weights + " looks like a Flax msgpack checkpoint;"
                            + " read it with --naming flax");
                }
            } catch (IOException ignored) {
                // the first message said what is wrong with the file
            }
        }
        err.flush();
        return false;
    }

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
