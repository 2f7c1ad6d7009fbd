package org.netspec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line as a user meets it: exit codes, stdout, stderr. */
class CliTest {
    private static final String RESNET = "../models/src/main/net/resnet.net";
    private static final String CIFAR = "../models/src/main/net/cifar_resnet.net";

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void checkAcceptsTheModels() {
        Run r = run("check", RESNET, CIFAR);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("ResNet50: ok (3x224x224 -> 1000, 25,557,032 params, 4,089,184,256 MACs)")
                .contains("2 files checked, no errors");
    }

    @Test
    void checkReportsEveryErrorWithCaretsAndFails(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.net");
        Files.writeString(bad, "block A() {\n  return x -> rleu\n}\nblock B(n: integer) { return x }\n");
        Run r = run("check", bad.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(bad + ":2:15: error[NS020]: unknown name 'rleu'; did you mean 'relu'?\n"
                        + "    return x -> rleu\n                ^~~~\n")
                .contains(bad + ":4:12: error[NS028]: unknown type 'integer'; did you mean 'int'?")
                .endsWith("2 errors\n")
                .doesNotContain("Exception");
    }

    @Test
    void summaryJsonHasTotalsAndLayers() throws Exception {
        Run r = run("summary", CIFAR, "ResNet20", "--input", "1x28x28", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("model").asText()).isEqualTo("ResNet20");
        assertThat(json.get("params").asLong()).isEqualTo(272_186);
        assertThat(json.get("layers").size()).isGreaterThan(20);
        assertThat(json.get("layers").get(0).get("name").asText()).isEqualTo("conv1");
        assertThat(json.get("layers").get(0).get("shape").asText()).isEqualTo("16x28x28");
    }

    @Test
    void benchTimesTrainingStepsAndProfilesThem() throws Exception {
        Run r = run("bench", "--spec", CIFAR, "--model", "CifarResNet(n: 1, filters: 8)", "--input", "1x12x12",
                "--batch", "4", "--iterations", "2", "--warmup", "1", "--train", "--profile", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("mode").asText()).isEqualTo("train");
        assertThat(json.get("median_ms").asDouble()).isPositive();
        // the spread shows: min <= median <= p90 <= max
        assertThat(json.get("min_ms").asDouble()).isLessThanOrEqualTo(json.get("median_ms").asDouble());
        assertThat(json.get("p90_ms").asDouble()).isLessThanOrEqualTo(json.get("max_ms").asDouble())
                .isGreaterThanOrEqualTo(json.get("median_ms").asDouble());
        assertThat(json.get("peak_rss_mb").asLong()).isPositive();
        // forward ops and their backward steps, each timed
        assertThat(json.get("ms_per_pass_by_op").has("conv")).isTrue();
        assertThat(json.get("ms_per_pass_by_op").has("conv backward")).isTrue();
        assertThat(json.get("ms_per_pass_by_op").has("batchnorm backward")).isTrue();
        assertThat(json.get("ms_per_pass_by_layer").has("layer2.0.conv1")).isTrue();
    }

    @Test
    void summaryOfACallWritesATable() {
        Run r = run("summary", RESNET, "ResNet(block: BasicBlock, stages: [2,2,2,2], filters: 16, classes: 10)",
                "--input", "3x64x64");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("layer4.1.conv2").contains("total").contains("703,386");
    }

    @Test
    void unknownModelSuggestsOne() {
        Run r = run("summary", RESNET, "ResNet5O");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("error[NS050]: no model 'ResNet5O'").contains("did you mean 'ResNet50'?");
    }

    @Test
    void badCallIsADiagnostic() {
        Run r = run("summary", RESNET, "ResNet(block: BasicBlok, stages: [2])");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("<command line>:1:15: error[NS020]: unknown name 'BasicBlok'; did you mean 'BasicBlock'?");
    }

    @Test
    void badInputShapeIsAUsageError() {
        Run r = run("summary", RESNET, "ResNet18", "--input", "3x0x224");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("expected CxHxW");
    }

    @Test
    void graphDrawsBlocksAsClusters(@TempDir Path dir) throws Exception {
        Path dot = dir.resolve("r18.dot");
        Run r = run("graph", RESNET, "ResNet18", "--format", "dot", "-o", dot.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        String text = Files.readString(dot);
        assertThat(text).startsWith("digraph \"ResNet18\" {").contains("subgraph \"cluster_layer2.0\"")
                .contains("label=\"layer2.0: BasicBlock\"").contains("n0 -> n1 [label=\"3x224x224\"]").endsWith("}\n");
    }

    @Test
    void everySubcommandHasHelp() {
        for (String command : new String[] {"check", "summary", "graph"}) {
            Run r = run(command, "--help");
            assertThat(r.exit()).isZero();
            assertThat(r.out()).startsWith("Usage: netspec " + command);
        }
    }

    @Test
    void modelWithoutInputShapeNeedsOne(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("n.net");
        Files.writeString(spec, "network N() { return x -> relu }\nmodel M = N();\n");
        Run r = run("summary", spec.toString(), "M");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(spec + ":2:7: error[NS039]: model M has no input shape; declare `input CxHxW` or pass --input");
        assertThat(run("summary", spec.toString(), "M", "--input", "2x4x4").exit()).isZero();
    }

    @Test
    void trainsEvaluatesAndResumes(@TempDir Path dir) throws Exception {
        String model = "CifarResNet(n: 1, filters: 4)";
        Path out = dir.resolve("run");
        Run first = run("train", "--spec", CIFAR, "--model", model, "--data", "fashion-mnist:" + embedded(), "--epochs", "1",
                "--limit", "256", "--batch", "64", "--out", out.toString());
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(out.resolve("checkpoint.safetensors")).exists();
        assertThat(out.resolve("curves.png")).exists();
        assertThat(Files.readAllLines(out.resolve("metrics.csv"))).hasSize(2);

        Run eval = run("eval", "--spec", CIFAR, "--model", model, "--weights", out.resolve("checkpoint.safetensors").toString(),
                "--data", "fashion-mnist:" + embedded(), "--json");
        assertThat(eval.exit()).as(eval.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(eval.out());
        assertThat(json.get("examples").asInt()).isEqualTo(1000);
        assertThat(json.get("top1").asDouble()).isBetween(0.1, 1.0);

        Run resumed = run("train", "--spec", CIFAR, "--model", model, "--data", "fashion-mnist:" + embedded(), "--epochs", "2",
                "--limit", "256", "--batch", "32", "--out", out.toString(), "--resume");
        assertThat(resumed.exit()).isEqualTo(1);
        assertThat(resumed.err()).contains("building it for 1x28x28 (5,142 parameters instead of 5,214)")
                .contains("netspec train: cannot resume from ")
                .contains("config.epochs: checkpoint '1', this run '2'")
                .contains("config.batch: checkpoint '64', this run '32'").doesNotContain("internal error");
    }

    /**
     * Image folders are decoded to the model's own channels and size; adapting them is explicit
     * (--channels, --size), and a model built for another shape than its declared one is said so.
     */
    @Test
    void imageFoldersTakeTheModelsShapeAndEveryRebuildIsAnnounced(@TempDir Path dir) throws Exception {
        java.util.Random random = new java.util.Random(5);
        for (String split : new String[] {"train", "test"}) {
            for (String c : new String[] {"ants", "bees"}) {
                Path folder = Files.createDirectories(dir.resolve("images").resolve(split).resolve(c));
                for (int i = 0; i < (split.equals("train") ? 6 : 2); i++) {
                    java.awt.image.BufferedImage png = new java.awt.image.BufferedImage(20, 20,
                            java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
                    for (int p = 0; p < 400; p++) {
                        png.getRaster().setSample(p % 20, p / 20, 0, random.nextInt(256));
                    }
                    javax.imageio.ImageIO.write(png, "png", folder.resolve(i + ".png").toFile());
                }
            }
        }
        String model = "CifarResNet(n: 1, filters: 4, classes: 2)";
        String data = "folder:" + dir.resolve("images");
        Run own = run("train", "--spec", CIFAR, "--model", model, "--data", data, "--batch", "4", "--out",
                dir.resolve("own").toString());
        assertThat(own.exit()).as(own.err()).isZero();
        assertThat(own.err()).doesNotContain("building it for");
        try (var in = org.netspec.runtime.io.SafeTensors.open(dir.resolve("own").resolve("checkpoint.safetensors"))) {
            assertThat(in.metadata().get("network")).startsWith("input 3x32x32\n");
            assertThat(in.metadata().get("data.class_names")).isEqualTo("ants\nbees");
        }
        Run grey = run("train", "--spec", CIFAR, "--model", model, "--data", data, "--channels", "1", "--size", "28",
                "--batch", "4", "--out", dir.resolve("grey").toString());
        assertThat(grey.exit()).as(grey.err()).isZero();
        assertThat(grey.err()).containsPattern("netspec train: CommandLineModel is declared for 3x32x32 inputs and"
                + " folder:train has 1x28x28 images: building it for 1x28x28 \\([0-9,]+ parameters instead of"
                + " [0-9,]+\\)");
        Run fixed = run("train", "--spec", CIFAR, "--model", "ResNet20", "--data", "fashion-mnist:" + embedded(),
                "--channels", "3", "--out", dir.resolve("never").toString());
        assertThat(fixed.exit()).isEqualTo(1);
        assertThat(fixed.err()).contains("--channels and --size adapt image folders; fashion-mnist images are 1x28x28");
    }

    /** A name error in one network does not hide a shape error in another: one run, both. */
    @Test
    void nameErrorsDoNotHideShapeErrorsOfOtherModels(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("two.net");
        Files.writeString(spec, """
                network Adder(filters: int) input 3x8x8 {
                    y = x -> conv(filters, 3x3, padding: 1)
                    return y + x
                }

                network Typo(filters: int) input 3x8x8 {
                    return x -> conv(filterz, 3x3)
                }

                model Broken = Adder(filters: 8);
                model AlsoBroken = Typo(filters: 4);
                """);
        Run r = run("check", spec.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(spec + ":3:14: error[NS040]: cannot add `y` (8x8x8) and `x` (3x8x8)")
                .contains(spec + ":7:22: error[NS020]: unknown name 'filterz'; did you mean 'filters'?")
                .contains("2 errors");
    }

    @Test
    void usageErrorsExitWith1AndNameTheOption() {
        Run r = run("export", "--spec", RESNET, "--model", "ResNet18");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("netspec: Missing required option: '--output=OUT.onnx'")
                .contains("see: netspec export --help");
        Run limit = run("train", "--spec", CIFAR, "--model", "ResNet20", "--data", "fashion-mnist", "--limit", "-1",
                "--out", "/tmp/never");
        assertThat(limit.exit()).isEqualTo(1);
        assertThat(limit.err()).contains("--limit must be at least 1, got -1");
    }

    @Test
    void badDataIsAClearError() {
        Run r = run("train", "--spec", CIFAR, "--model", "ResNet20", "--data", "cifar10:/nonexistent", "--out", "/tmp/x");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("/nonexistent/data_batch_1.bin: cannot read");
    }

    /** --classes N changes the model's class count, by name or by call, and refuses a call that sets it already. */
    @Test
    void classesGivesTheModelAnotherClassCount(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("x.safetensors");
        org.netspec.runtime.io.SafeTensors.write(input, java.util.Map.of("x", org.nd4j.linalg.factory.Nd4j.rand(
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 1, 28, 28)), java.util.Map.of());
        for (String model : new String[] {"ResNet20", "CifarResNet(n: 1, filters: 4)"}) {
            Run r = run("infer", "--spec", CIFAR, "--model", model, "--classes", "7", "--input", input.toString(),
                    "--output", dir.resolve("out.safetensors").toString());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("wrote logits [2, 7]");
        }
        Run twice = run("infer", "--spec", CIFAR, "--model", "CifarResNet(n: 1, classes: 3)", "--classes", "7",
                "--input", input.toString(), "--output", dir.resolve("never.safetensors").toString());
        assertThat(twice.exit()).isEqualTo(1);
        assertThat(twice.err()).contains("--classes 7 and a model call that sets classes itself");
    }

    /** A refused input found while running (non-finite values) is the user's mistake: exit 1, no trace. */
    @Test
    void inferRefusesANonFiniteInputWithExit1(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("nan.safetensors");
        org.nd4j.linalg.api.ndarray.INDArray x = org.nd4j.linalg.factory.Nd4j.rand(
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 1, 28, 28);
        x.putScalar(new long[] {0, 0, 3, 4}, Float.NaN);
        org.netspec.runtime.io.SafeTensors.write(input, java.util.Map.of("x", x), java.util.Map.of());
        Run r = run("infer", "--spec", CIFAR, "--model", "ResNet20", "--input", input.toString(),
                "--output", dir.resolve("out.safetensors").toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("netspec infer: ResNet20: the input holds 1 NaN and 0 infinite values of 784;"
                + " refused, as the logits of such input mean nothing\n");
        assertThat(dir.resolve("out.safetensors")).doesNotExist();
    }

    private static String embedded() throws Exception {
        return org.netspec.runtime.data.FashionMnist.embedded().toString();
    }
}
