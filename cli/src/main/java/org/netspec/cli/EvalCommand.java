package org.netspec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a checkpoint on a data set's test split: loss, top-1 and top-5 accuracy.")
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions target;

    @Option(names = "--weights", required = true, paramLabel = "CKPT",
            description = "a training checkpoint or any safetensors state_dict")
    Path weights;

    @Option(names = "--data", required = true, paramLabel = "DATA", description = "as for train")
    String data;

    @Option(names = "--channels", paramLabel = "C",
            description = "decode image folders to C channels (1: grey, 3: RGB; default: the model's)")
    Integer channels;

    @Option(names = "--size", paramLabel = "N", description = "scale image folders to NxN (default: the model's size)")
    Integer size;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        ModelOptions.Fitted fitted = target.fit("eval", data, channels, size, 0, err);
        if (fitted == null) {
            return 1;
        }
        DataSpec sets = fitted.sets();
        Model net = fitted.net();
        if (!ModelOptions.loadWeights(net, weights, false, "eval", err)) {
            return 1;
        }
        double[] r = Trainer.evaluate(net, sets.test(), 256);
        if (json) {
            spec.commandLine().getOut().println(new ObjectMapper().createObjectNode().put("model", net.name())
                    .put("data", sets.test().name()).put("examples", sets.test().size()).put("loss", r[0])
                    .put("top1", r[1]).put("top5", r[2]).toPrettyString());
        } else {
            spec.commandLine().getOut().printf("%s on %s (%,d images): loss %.4f, top-1 %.2f%%, top-5 %.2f%%%n", net.name(),
                    sets.test().name(), sets.test().size(), r[0], 100 * r[1], 100 * r[2]);
        }
        return 0;
    }
}
