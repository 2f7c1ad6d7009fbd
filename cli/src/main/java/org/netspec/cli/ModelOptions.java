package org.netspec.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import org.netspec.runtime.model.Model;
import picocli.CommandLine.Option;

/** {@code --spec FILE --model MODEL [--classes N]}, shared by the commands that run a model (a picocli mixin). */
public final class ModelOptions {
    @Option(names = "--spec", required = true, paramLabel = "FILE", description = "spec file (.net)")
    Path specFile;

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "model name, or a call such as 'ResNet(block: BasicBlock, stages: [2, 2, 2, 2])'")
    String model;

    /** The spec file. */
    public Path spec() {
        return specFile;
    }

    @Option(names = "--classes", paramLabel = "N",
            description = "the model with N classes (its network's `classes` parameter), e.g. for weights trained"
                    + " on another data set")
    Integer classes;

    /**
     * {@code --model}, with {@code classes: N} added to its call when {@code --classes} is given: a
     * model name stands for the call that defines it. Null after saying why it cannot be done.
     */
    public String modelCall(PrintWriter err) {
        if (classes == null) {
            return model;
        }
        if (classes < 1) {
            err.println("netspec: --classes must be at least 1, got " + classes);
            return null;
        }
        String name = model.strip();
        String call = name;
        if (name.matches("[A-Za-z_][A-Za-z_0-9]*")) {
            org.netspec.dsl.Program program = org.netspec.dsl.Frontend.load(List.of(specFile),
                    ModelOptions.class.getClassLoader());
            var found = program.models().stream().filter(m -> m.name().equals(name)).findFirst();
            if (found.isEmpty()) {
                return model; // the loader names what is wrong
            }
            if (!(found.get().value() instanceof org.netspec.dsl.syntax.Expr.Call)) {
                err.println("netspec: --classes needs a model defined as a call, and " + name + " is "
                        + org.netspec.dsl.syntax.PrettyPrinter.print(found.get().value()));
                return null;
            }
            call = org.netspec.dsl.syntax.PrettyPrinter.print(found.get().value());
        }
        if (call.matches("(?s).*[(,]\\s*classes\\s*:.*")) {
            err.println("netspec: --classes " + classes + " and a model call that sets classes itself: " + call);
            return null;
        }
        if (!call.endsWith(")")) {
            err.println("netspec: --classes needs a model call such as 'ResNet(...)', not '" + call + "'");
            return null;
        }
        String inner = call.substring(call.indexOf('(') + 1, call.length() - 1).strip();
        return call.substring(0, call.length() - 1) + (inner.isEmpty() ? "" : ", ") + "classes: " + classes + ")";
    }

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

    /** A model and the data it is trained or evaluated on. */
    record Fitted(Model net, DataSpec sets) {}

    /**
     * The model and {@code data}, fitted to each other in the open: image folders are decoded to
     * the model's channels and size (or {@code channels} / {@code size} when given); a fixed-shape
     * data set (Fashion-MNIST, CIFAR-10) of another shape gets the model built for it, and a line on
     * {@code err} says so with both shapes and parameter counts. Null after saying what is wrong.
     */
    Fitted fit(String command, String data, Integer channels, Integer size, long seed, PrintWriter err)
            throws IOException {
        Model declared = load(null, seed, err);
        if (declared == null) {
            return null;
        }
        org.netspec.runtime.model.Shape in = declared.inputShape();
        if (in.rank() != 3) {
            err.println("netspec " + command + ": " + declared.name() + " takes " + in + " inputs, not images");
            return null;
        }
        int c = channels != null ? channels : in.channels();
        int s = size != null ? size : in.height() == in.width() ? in.height() : 64;
        DataSpec sets;
        try {
            sets = DataSpec.parse(data, err, c, s, channels != null || size != null);
        } catch (org.netspec.runtime.data.DataException e) {
            err.println("netspec " + command + ": " + e.getMessage());
            return null;
        }
        if (java.util.Arrays.equals(sets.shape(), in.dims())) {
            return new Fitted(declared, sets);
        }
        Model net = load(sets.shape(), seed, err);
        if (net == null) {
            return null;
        }
        String shape = String.join("x", java.util.Arrays.stream(sets.shape()).mapToObj(String::valueOf).toList());
        err.printf("netspec %s: %s is declared for %s inputs and %s has %s images: building it for %s (%,d"
                        + " parameters instead of %,d)%n", command, declared.name(), in, sets.train().name(), shape,
                shape, net.parameterCount(), declared.parameterCount());
        err.flush();
        return new Fitted(net, sets);
    }

    /** The model for inputs of shape C, H, W; null after printing the spec's diagnostics to {@code err}. */
    Model load(int[] shape, long seed, PrintWriter err) throws IOException {
        String call = modelCall(err);
        if (call == null) {
            return null;
        }
        try {
            return ModelLoader.load(specFile, call, shape, seed);
        } catch (ModelLoader.SpecException e) {
            err.print(e.getMessage());
            err.flush();
            return null;
        }
    }
}
