package org.netspec.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.cli.CliTest.Run;
import org.netspec.runtime.io.SafeTensors;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.onnx.OnnxRuntimeRunner;

/**
 * {@code netspec export} as a user runs it: a spec with every op of the language (which also
 * names a variable {@code b}, once a clash with the generated builder), weights from a checkpoint,
 * ONNX Runtime's logits equal NetSpec's; clear errors with exit 1 and no file left behind; and,
 * where Python's onnx and onnxruntime are installed, the files pass onnx's full check and give
 * torchvision's logits from Python too.
 */
class ExportCommandTest {
    private static final String EVERY_OP = "src/test/resources/every_op.net";
    private static final String RESNET = "../models/src/main/net/resnet.net";
    private static final Path FIXTURES = Path.of(System.getProperty("netspec.fixtures", "../../shared/fixtures"));

    @Test
    void everyOpRunsInOnnxRuntimeWithNetSpecsLogits(@TempDir Path dir) throws Exception {
        Model net = ModelLoader.load(Path.of(EVERY_OP), "EveryOpNet", null, 4);
        net.parameters().state().forEach((name, v) -> v.assign(Nd4j.rand(DataType.FLOAT, v.shape())
                .muli(name.endsWith("var") ? 1 : 0.4).addi(name.endsWith("var") ? 0.5 : -0.2)));
        net.parameters().touch();
        Path weights = dir.resolve("w.safetensors");
        net.saveWeights(weights);
        for (String fold : List.of("", "--fold-batchnorm")) {
            Path file = dir.resolve("every" + fold + ".onnx");
            List<String> args = new ArrayList<>(List.of("export", "--spec", EVERY_OP, "--model", "EveryOpNet",
                    "--weights", weights.toString(), "-o", file.toString(), "--json"));
            if (!fold.isEmpty()) {
                args.add(fold);
            }
            Run r = CliTest.run(args.toArray(String[]::new));
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode report = new ObjectMapper().readTree(r.out());
            assertThat(report.get("bytes").asLong()).isEqualTo(Files.size(file));
            assertThat(report.get("batchnorm_folded").asBoolean()).isEqualTo(!fold.isEmpty());
            try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(file)) {
                for (int batch : new int[] {1, 4}) {
                    INDArray images = Nd4j.rand(DataType.FLOAT, batch, 3, 20, 20).subi(0.5).muli(4);
                    assertThat(OnnxRuntimeRunner.relativeError(ort.run(images), net.predict(images)))
                            .as("batch %d %s", batch, fold).isLessThan(1e-4);
                }
            }
        }
        assertThat(dir.toFile().list()).containsExactlyInAnyOrder("w.safetensors", "every.onnx",
                "every--fold-batchnorm.onnx");
        python().ifPresent(py -> assertThat(check(py, dir.resolve("every.onnx").toString(),
                dir.resolve("every--fold-batchnorm.onnx").toString())).isZero());
    }

    @Test
    void aModelWithoutInputShapeOrAMissingFolderIsAClearError(@TempDir Path dir) {
        Run noShape = CliTest.run("export", "--spec", EVERY_OP, "--model", "Shapeless(classes: 3)", "-o",
                dir.resolve("s.onnx").toString());
        assertThat(noShape.exit()).isEqualTo(1);
        assertThat(noShape.err()).contains("<command line>:2:7: error[NS039]: model CommandLineModel has no input shape")
                .doesNotContain("Exception").doesNotContain("netspec-run");
        Run withShape = CliTest.run("export", "--spec", EVERY_OP, "--model", "Shapeless(classes: 3)", "--input", "2x9x9",
                "-o", dir.resolve("s.onnx").toString());
        assertThat(withShape.exit()).as(withShape.err()).isZero();
        assertThat(withShape.out()).contains("(2x9x9 -> 3): wrote ").contains("3 nodes, 4 initializers");

        Run noFolder = CliTest.run("export", "--spec", EVERY_OP, "--model", "EveryOpNet", "-o",
                dir.resolve("missing/e.onnx").toString());
        assertThat(noFolder.exit()).isEqualTo(1);
        assertThat(noFolder.err()).contains("is not a directory");
        Run badWeights = CliTest.run("export", "--spec", EVERY_OP, "--model", "EveryOpNet", "--weights",
                dir.resolve("s.onnx").toString(), "-o", dir.resolve("e.onnx").toString());
        assertThat(badWeights.exit()).as(badWeights.err()).isEqualTo(1);
        assertThat(dir.toFile().list()).containsExactly("s.onnx");
    }

    /** Item 4 of the export issue: a Python user loads the exported ResNet-50 and gets torchvision's logits. */
    @Test
    void pythonOnnxRuntimeGetsTorchvisionsLogitsFromTheExport(@TempDir Path dir) throws Exception {
        Optional<String> py = python();
        assumeTrue(py.isPresent(), "no Python with onnx, onnxruntime, numpy and safetensors");
        Path file = dir.resolve("resnet50.onnx");
        Run r = CliTest.run("export", "--spec", RESNET, "--model",
                "ResNet(block: Bottleneck, stages: [3, 4, 6, 3], filters: 16, classes: 10)", "--input", "3x64x64",
                "--weights", FIXTURES.resolve("resnet50_w16_c10.safetensors").toString(), "-o", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Path input = dir.resolve("input.safetensors");
        Path expect = dir.resolve("expect.safetensors");
        try (SafeTensors io = SafeTensors.open(FIXTURES.resolve("resnet50_w16_c10.io.safetensors"))) {
            SafeTensors.write(input, Map.of("input", io.readArray("input_nchw")), Map.of());
            SafeTensors.write(expect, Map.of("logits", io.readArray("eval_logits")), Map.of());
        }
        assertThat(check(py.get(), file.toString(), "--input", input.toString(), "--expect", expect.toString()))
                .isZero();
    }

    /** From JAX to anywhere: a checkpoint Flax wrote, read by infer and exported, gives Flax's logits. */
    @Test
    void aFlaxCheckpointRunsInInferAndInTheExport(@TempDir Path dir) throws Exception {
        String flax = "../models/src/test/resources/flax/flax_resnet18_w16_c10";
        String call = "FlaxResNet(block: ResNetBlock, stages: [2, 2, 2, 2], filters: 16, classes: 10)";
        String spec = "../models/src/main/net/flax_resnet.net";
        Path logits = dir.resolve("logits.safetensors");
        Run infer = CliTest.run("infer", "--spec", spec, "--model", call, "--naming", "flax", "--weights",
                flax + ".msgpack", "--input", flax + ".io.safetensors:input_nhwc", "--layout", "nhwc", "--output",
                logits.toString());
        assertThat(infer.exit()).as(infer.err()).isZero();
        Path file = dir.resolve("flax18.onnx");
        Run export = CliTest.run("export", "--spec", spec, "--model", call, "--input", "3x64x64", "--naming", "flax",
                "--weights", flax + ".msgpack", "-o", file.toString());
        assertThat(export.exit()).as(export.err()).isZero();
        try (SafeTensors io = SafeTensors.open(Path.of(flax + ".io.safetensors"));
             SafeTensors ours = SafeTensors.open(logits);
             OnnxRuntimeRunner ort = new OnnxRuntimeRunner(file)) {
            INDArray expected = io.readArray("eval_logits");
            assertThat(OnnxRuntimeRunner.relativeError(ours.readArray("logits"), expected)).isLessThan(1e-4);
            assertThat(OnnxRuntimeRunner.relativeError(ort.run(io.readArray("input_nchw")), expected)).isLessThan(1e-4);
        }
        Run wrongNaming = CliTest.run("infer", "--spec", spec, "--model", call, "--weights", flax + ".msgpack",
                "--input", flax + ".io.safetensors:input_nhwc", "--layout", "nhwc", "--output", logits.toString());
        assertThat(wrongNaming.exit()).isEqualTo(1); // a msgpack file read as safetensors: the reader's message
        assertThat(wrongNaming.err()).contains("netspec infer: ").doesNotContain("internal error");
    }

    /** A Python that has what tools/onnx_check.py imports: -Dnetspec.python, the anchors' venv, or python3. */
    static Optional<String> python() {
        List<String> candidates = new ArrayList<>();
        Optional.ofNullable(System.getProperty("netspec.python")).ifPresent(candidates::add);
        candidates.addAll(List.of("/tmp/venv-torch2/bin/python", "python3"));
        for (String py : candidates) {
            try {
                Process p = new ProcessBuilder(py, "-c", "import onnx, onnxruntime, numpy, safetensors")
                        .redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return Optional.of(py);
                }
            } catch (Exception e) {
                // not installed: try the next
            }
        }
        return Optional.empty();
    }

    private static int check(String python, String... args) {
        try {
            List<String> command = new ArrayList<>(List.of(python, "../tools/onnx_check.py"));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(120, TimeUnit.SECONDS);
            System.out.print(out);
            return p.exitValue();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
