package org.netspec.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.netspec.runtime.io.SafeTensors;
import org.netspec.runtime.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "infer", mixinStandardHelpOptions = true,
        description = {"Run a model of any spec on a batch from a safetensors file and write the logits.",
                "The spec is generated and compiled in process, as the Maven plugin would."})
final class InferCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions target;

    @Option(names = "--weights", paramLabel = "W.safetensors", description = "checkpoint; without it the seeded initial weights")
    Path weights;

    @Option(names = "--naming", defaultValue = "torchvision", paramLabel = "NAMING",
            description = "checkpoint naming: torchvision, timm or netspec (ResNets name tensors alike in all three),"
                    + " or flax (a flax.serialization.to_bytes msgpack file, or safetensors with Flax paths, in Flax's"
                    + " layouts; for specs that use Flax's module names, such as flax_resnet.net)")
    String naming;

    @Option(names = "--input", required = true, paramLabel = "IN.safetensors[:tensor]",
            description = "input batch; the tensor name may be omitted when the file holds one tensor")
    String input;

    @Option(names = "--layout", defaultValue = "nchw", description = "layout of the input: nchw (PyTorch) or nhwc")
    String layout;

    @Option(names = "--output", required = true, paramLabel = "OUT.safetensors", description = "where to write tensor `logits`")
    Path output;

    @Option(names = "--seed", defaultValue = "0", description = "initialiser seed when no weights are given")
    long seed;

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        if (!List.of("torchvision", "timm", "netspec", "flax").contains(naming)) {
            err.println("netspec infer: --naming must be torchvision, timm, netspec or flax, got '" + naming + "'");
            return 1;
        }
        if (!layout.equals("nchw") && !layout.equals("nhwc")) {
            err.println("netspec infer: --layout must be nchw or nhwc, got '" + layout + "'");
            return 1;
        }
        if (!ModelOptions.canWrite(output, "infer", err)) {
            return 1;
        }
        int colon = input.lastIndexOf(':');
        Path inputFile = Path.of(colon > 0 && !input.substring(colon + 1).contains("/") ? input.substring(0, colon) : input);
        String tensor = colon > 0 && !input.substring(colon + 1).contains("/") ? input.substring(colon + 1) : null;
        INDArray batch;
        try (SafeTensors in = SafeTensors.open(inputFile)) {
            if (tensor == null) {
                if (in.names().size() != 1) {
                    err.println("netspec infer: " + inputFile + " holds " + in.names().size()
                            + " tensors " + in.names() + "; name one as --input FILE:tensor");
                    return 1;
                }
                tensor = in.names().iterator().next();
            }
            if (!in.contains(tensor)) {
                err.println("netspec infer: " + inputFile + " has no tensor '" + tensor + "'; it has " + in.names());
                return 1;
            }
            batch = in.readArray(tensor).castTo(DataType.FLOAT);
        }
        if (batch.rank() != 4) {
            err.println("netspec infer: input '" + tensor + "' must be a 4-D image batch, got shape "
                    + java.util.Arrays.toString(batch.shape()));
            return 1;
        }
        if (layout.equals("nhwc")) {
            batch = batch.permute(0, 3, 1, 2).dup('c');
        }
        int[] shape = {(int) batch.size(1), (int) batch.size(2), (int) batch.size(3)};
        Model net;
        net = target.load(shape, seed, err);
        if (net == null) {
            return 1;
        }
        if (weights != null) {
            if (!ModelOptions.loadWeights(net, weights, naming.equals("flax"), "infer", err)) {
                return 1;
            }
        }
        INDArray logits = net.predict(batch);
        SafeTensors.write(output, Map.of("logits", logits), Map.of("model", net.name()));
        spec.commandLine().getOut().printf("wrote logits %s to %s%n", java.util.Arrays.toString(logits.shape()), output);
        return 0;
    }
}
