package org.netspec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.model.Profile;
import org.netspec.runtime.train.Sgd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time evaluation forward passes of a model on random input after warm-up;",
                "with --train, training steps (forward in training mode, loss, backward, and",
                "an SGD update with Nesterov momentum 0.9, as a training run takes).",
                "benchmarks/side-by-side.sh runs it beside PyTorch and ONNX Runtime",
                "(the README's figures); benchmarks/run.sh (JMH) tracks regressions."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions target;

    @Option(names = "--batch", defaultValue = "1", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--iterations", defaultValue = "20", description = "timed iterations (default: ${DEFAULT-VALUE})")
    int iterations;

    @Option(names = "--warmup", defaultValue = "5", description = "untimed iterations first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--input", defaultValue = "3x224x224", paramLabel = "CxHxW", description = "input shape (default: ${DEFAULT-VALUE})")
    String input;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Option(names = "--train", description = "time training steps (forward, softmax cross-entropy, backward, SGD update) instead")
    boolean train;

    @Option(names = "--profile", description = "also time each layer and op kind over the iterations (separate passes)")
    boolean profile;

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        if (batch < 1 || iterations < 1 || warmup < 0) {
            err.println("netspec bench: --batch and --iterations must be at least 1, --warmup at least 0");
            return 1;
        }
        int[] shape;
        try {
            shape = SpecFiles.parseShape(input).dims().stream().mapToInt(Integer::intValue).toArray();
        } catch (IllegalArgumentException e) {
            err.println("netspec bench: --input: " + e.getMessage());
            return 1;
        }
        Model net;
        net = target.load(shape, 0, err);
        if (net == null) {
            return 1;
        }
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, shape[0], shape[1], shape[2]);
        INDArray nhwc = net.toModelLayout(x);
        INDArray labels = randomLabels(batch, net.outputShape().channels());
        for (int i = 0; i < warmup; i++) {
            pass(net, x, nhwc, labels, null);
        }
        double[] ms = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            pass(net, x, nhwc, labels, null);
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Profile timing = null;
        if (profile) {
            timing = new Profile();
            for (int i = 0; i < iterations; i++) {
                pass(net, x, nhwc, labels, timing);
            }
        }
        Arrays.sort(ms);
        double median = ms[iterations / 2];
        double p90 = ms[Math.min(iterations - 1, (int) Math.ceil(iterations * 0.9) - 1)];
        int threads = Runtime.getRuntime().availableProcessors();
        if (json) {
            ObjectNode node = new ObjectMapper().createObjectNode();
            node.put("model", net.name()).put("mode", train ? "train" : "eval").put("batch", batch).put("input", input).put("iterations", iterations)
                    .put("median_ms", round(median)).put("p90_ms", round(p90)).put("min_ms", round(ms[0]))
                    .put("max_ms", round(ms[iterations - 1]))
                    .put("images_per_s", round(batch * 1000.0 / median)).put("threads", threads);
            long peak = peakResidentMb();
            if (peak > 0) {
                node.put("peak_rss_mb", peak);
            }
            if (timing != null) {
                ObjectNode ops = node.putObject("ms_per_pass_by_op");
                timing.ops().forEach((op, e) -> ops.put(op, round(e.nanos() / 1e6 / iterations)));
                ObjectNode layers = node.putObject("ms_per_pass_by_layer");
                timing.layers().forEach((layer, e) -> layers.put(layer, round(e.nanos() / 1e6 / iterations)));
            }
            spec.commandLine().getOut().println(node.toPrettyString());
        } else {
            spec.commandLine().getOut().printf("%s%s, batch %d, %s: median %.1f ms, p90 %.1f ms, min %.1f, max %.1f,"
                            + " %.1f images/s (%d cores)%n", net.name(), train ? " training step" : "", batch, input,
                    median, p90, ms[0], ms[iterations - 1], batch * 1000.0 / median, threads);
            spec.commandLine().getOut().printf("peak resident memory: %d MB%n", peakResidentMb());
            if (timing != null) {
                printProfile(timing, spec.commandLine().getOut());
            }
        }
        return 0;
    }

    /**
     * Seeded random labels over the model's classes, as the side-by-side references use: with
     * one label for the whole batch the network learns it within a few steps and its gradients
     * sink into subnormal numbers, which the CPU computes on up to 100x more slowly.
     */
    private static INDArray randomLabels(int batch, long classes) {
        java.util.Random random = new java.util.Random(0);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = random.nextInt((int) Math.min(classes, Integer.MAX_VALUE));
        }
        return Nd4j.createFromArray(labels);
    }

    /** The update of a training step, as `netspec train` makes it by default (its state kept across steps). */
    private final Sgd sgd = new Sgd(0.9, true, 0, false);

    private void pass(Model net, INDArray nchw, INDArray nhwc, INDArray labels, Profile timing) {
        if (train) {
            Model.Gradients g = net.gradients(nhwc, labels, 0, timing);
            long start = System.nanoTime();
            sgd.step(net.parameters().parameters(), g.gradients(), 0.01);
            net.parameters().touch();
            if (timing != null) {
                timing.add("sgd update", "sgd update", System.nanoTime() - start);
            }
            g.gradients().values().forEach(INDArray::close);
        } else if (timing != null) {
            net.predict(nchw, timing);
        } else {
            net.predict(nchw);
        }
    }

    /** Time per pass by op kind, then the ten slowest layers. */
    private void printProfile(Profile timing, java.io.PrintWriter out) {
        double total = timing.ops().values().stream().mapToLong(Profile.Entry::nanos).sum() / 1e6 / iterations;
        out.printf("%nper pass, by op (%.1f ms timed inside layers):%n", total);
        timing.ops().entrySet().stream().sorted((a, b) -> Long.compare(b.getValue().nanos(), a.getValue().nanos()))
                .forEach(e -> out.printf("  %-10s %8.2f ms  %4d calls%n", e.getKey(), e.getValue().nanos() / 1e6 / iterations,
                        e.getValue().calls() / iterations));
        out.printf("slowest layers:%n");
        timing.layers().entrySet().stream().sorted((a, b) -> Long.compare(b.getValue().nanos(), a.getValue().nanos()))
                .limit(10).forEach(e -> out.printf("  %-24s %-10s %8.2f ms%n", e.getKey(), e.getValue().op(),
                        e.getValue().nanos() / 1e6 / iterations));
    }

    /** The process's peak resident memory (Linux VmHWM) in MB, or -1 where /proc does not tell. */
    static long peakResidentMb() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // not Linux: leave it out
        }
        return -1;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
