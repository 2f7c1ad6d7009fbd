package org.netspec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.netspec.runtime.data.DataException;
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

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        DataSpec sets;
        try {
            sets = DataSpec.parse(data, err);
        } catch (DataException e) {
            err.println("netspec eval: " + e.getMessage());
            return 1;
        }
        Model net;
        net = target.load(sets.shape(), 0, err);
        if (net == null) {
            return 1;
        }
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
