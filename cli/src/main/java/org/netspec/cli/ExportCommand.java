package org.netspec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.onnx.ExportReport;
import org.netspec.runtime.onnx.OnnxExportException;
import org.netspec.runtime.onnx.OnnxOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a model and its weights as an ONNX file (opset 17, IR version 8),",
                "for ONNX Runtime, TensorRT, OpenVINO or a browser. Input 'input': NCHW",
                "float32 with a symbolic batch 'batch'; output 'logits'; initializers",
                "named like the checkpoint's tensors (layer1.0.conv1.weight)."})
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions target;

    @Option(names = "--weights", paramLabel = "W.safetensors",
            description = "checkpoint (torchvision/timm/NetSpec names, or a training checkpoint); without it the seeded"
                    + " initial weights")
    Path weights;

    @Option(names = "--naming", defaultValue = "torchvision", paramLabel = "NAMING",
            description = "checkpoint naming: torchvision (also timm and netspec) or flax (msgpack or safetensors with"
                    + " Flax paths and layouts)")
    String naming;

    @Option(names = "--input", paramLabel = "CxHxW", description = "input shape of one example (default: the model's own)")
    String input;

    @Option(names = "--fold-batchnorm", description = "fold each batch norm that follows a conv into the conv's weights"
            + " and bias instead of writing BatchNormalization nodes")
    boolean foldBatchNorm;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.onnx", description = "file to write")
    Path output;

    @Option(names = "--seed", defaultValue = "0", description = "initialiser seed when no weights are given")
    long seed;

    @Option(names = "--json", description = "machine-readable report")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (!List.of("torchvision", "timm", "netspec", "flax").contains(naming)) {
            err.println("netspec export: --naming must be torchvision, timm, netspec or flax, got '" + naming + "'");
            return 1;
        }
        int[] shape = null;
        if (input != null) {
            try {
                shape = SpecFiles.parseShape(input).dims().stream().mapToInt(Integer::intValue).toArray();
            } catch (IllegalArgumentException e) {
                err.println("netspec export: --input: " + e.getMessage());
                return 1;
            }
        }
        if (!ModelOptions.canWrite(output, "export", err)) {
            return 1;
        }
        Model net = target.load(shape, seed, err);
        if (net == null) {
            return 1;
        }
        if (weights != null) {
            if (!ModelOptions.loadWeights(net, weights, naming.equals("flax"), "export", err)) {
                return 1;
            }
        }
        ExportReport report;
        try {
            report = net.exportOnnx(output, OnnxOptions.defaults().withFoldedBatchNorm(foldBatchNorm));
        } catch (OnnxExportException e) {
            err.println("netspec export: " + net.name() + ": " + e.getMessage());
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().createObjectNode().put("model", net.name()).put("file", output.toString())
                    .put("input", net.inputShape().toString()).put("output", net.outputShape().toString())
                    .put("opset", 17).put("nodes", report.nodes()).put("initializers", report.initializers())
                    .put("bytes", report.bytes()).put("batchnorm_folded", report.batchNormFolded()).toPrettyString());
        } else {
            out.printf("%s (%s -> %s): %s%n", net.name(), net.inputShape(), net.outputShape(), report);
        }
        return 0;
    }
}
