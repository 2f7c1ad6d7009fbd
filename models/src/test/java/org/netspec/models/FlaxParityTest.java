package org.netspec.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.netspec.runtime.io.SafeTensors;
import org.netspec.runtime.model.LoadOptions;
import org.netspec.runtime.model.LoadReport;
import org.netspec.runtime.model.Mode;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.onnx.OnnxRuntimeRunner;

/**
 * flax_resnet.net's FlaxResNet18 / FlaxResNet50 (width 16, 10 classes) loaded from checkpoints
 * that Flax itself wrote (tools/flax_fixtures.py: to_bytes msgpack, and safetensors with Flax
 * paths) reproduce Flax's evaluation logits, its train-mode logits and its updated batch_stats
 * (biased running variance, SAME padding); a checkpoint NetSpec writes in Flax's form reads back
 * the same, and — where the fixture script's Python has Flax — loads in Flax with equal logits.
 */
class FlaxParityTest {
    private static final Path FIXTURES = Path.of("src/test/resources/flax");

    static Model build(String model) {
        return model.equals("FlaxResNet18")
                ? FlaxResNet18.builder().filters(16).classes(10).inputShape(3, 64, 64).build()
                : FlaxResNet50.builder().filters(16).classes(10).inputShape(3, 64, 64).build();
    }

    @ParameterizedTest(name = "{0} from {1}")
    @CsvSource({"FlaxResNet18, flax_resnet18_w16_c10.msgpack", "FlaxResNet18, flax_resnet18_w16_c10.safetensors",
            "FlaxResNet50, flax_resnet50_w16_c10.msgpack"})
    void reproducesFlax(String model, String checkpoint) throws Exception {
        Model net = build(model);
        LoadReport report = net.loadWeights(FIXTURES.resolve(checkpoint), LoadOptions.flaxCheckpoint());
        assertThat(report.loaded()).isEqualTo(net.parameters().all().size());
        String fixture = checkpoint.substring(0, checkpoint.indexOf('.'));
        try (SafeTensors io = SafeTensors.open(FIXTURES.resolve(fixture + ".io.safetensors"));
             SafeTensors after = SafeTensors.open(FIXTURES.resolve(fixture + ".batch_stats_after_train_step.safetensors"))) {
            assertThat(OnnxRuntimeRunner.relativeError(net.predict(io.readArray("input_nchw")), io.readArray("eval_logits")))
                    .isLessThan(1e-4);
            INDArray train = net.forward(io.readArray("input_nhwc"), Mode.TRAIN);
            assertThat(OnnxRuntimeRunner.relativeError(train, io.readArray("train_logits"))).isLessThan(1e-4);
            assertThat(after.names()).hasSize(net.parameters().state().size());
            for (String name : after.names()) {
                String ours = name.replaceAll("\\.mean$", ".running_mean").replaceAll("\\.var$", ".running_var");
                assertThat(OnnxRuntimeRunner.relativeError(net.parameters().state().get(ours), after.readArray(name)))
                        .as(name).isLessThan(1e-4);
            }
        }
    }

    @Test
    void flaxCheckpointsWrittenByNetSpecReadBackAndLoadInFlax(@TempDir Path dir) throws Exception {
        Model net = build("FlaxResNet18");
        net.loadWeights(FIXTURES.resolve("flax_resnet18_w16_c10.msgpack"), LoadOptions.flaxCheckpoint());
        for (String file : List.of("back.msgpack", "back.safetensors")) {
            net.saveFlaxWeights(dir.resolve(file));
            Model again = build("FlaxResNet18");
            again.loadWeights(dir.resolve(file), LoadOptions.flaxCheckpoint());
            net.parameters().all().forEach((name, v) -> assertThat(again.parameters().all().get(name)).as(name).isEqualTo(v));
        }
        assertThat(Files.size(dir.resolve("back.msgpack"))).isEqualTo(
                Files.size(FIXTURES.resolve("flax_resnet18_w16_c10.msgpack")));

        String python = System.getProperty("netspec.flax.python", "/tmp/venv-flax/bin/python");
        assumeTrue(hasFlax(python), "no Python with jax and flax (tools/flax_fixtures.py)");
        Process p = new ProcessBuilder(python, "../tools/flax_fixtures.py", "check-msgpack",
                dir.resolve("back.msgpack").toString(), "--model", "resnet18", "--io",
                FIXTURES.resolve("flax_resnet18_w16_c10.io.safetensors").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    @Test
    void aTorchvisionCheckpointIsNotAFlaxOne() {
        Model net = build("FlaxResNet18");
        Path torch = Path.of(System.getProperty("netspec.fixtures", "../../shared/fixtures"), "resnet18_w16_c10.safetensors");
        assertThatThrownBy(() -> net.loadWeights(torch, LoadOptions.flaxCheckpoint()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing conv_init.weight [16, 3, 7, 7]")
                .hasMessageContaining("unexpected layer1.0.conv1.weight");
    }

    @Test
    void flaxResNetsCountLikeTorchvisionsAt224() {
        assertThat(FlaxResNet50.PARAMETER_COUNT).isEqualTo(25_557_032L).isEqualTo(ResNet50.PARAMETER_COUNT);
        assertThat(FlaxResNet18.PARAMETER_COUNT).isEqualTo(11_689_512L);
        // SAME padding changes where a stride-2 window starts, not output sizes at 224x224
        assertThat(FlaxResNet50.MACS).isEqualTo(ResNet50.MACS);
        assertThat(FlaxResNet200.MACS).isEqualTo(ResNet200.MACS);
        assertThat(FlaxResNet18.FEATURES.get("ResNetBlock_7")).containsExactly(512, 7, 7);
        // list parameters take values too: stages(1, 1, 1, 1) is stages(List.of(1, 1, 1, 1))
        assertThat(FlaxResNet18.builder().stages(1, 1, 1, 1).filters(8).inputShape(3, 32, 32).build().parameterCount())
                .isEqualTo(FlaxResNet18.builder().stages(List.of(1, 1, 1, 1)).filters(8).inputShape(3, 32, 32).build()
                        .parameterCount())
                .isLessThan(FlaxResNet18.builder().filters(8).inputShape(3, 32, 32).build().parameterCount());
    }

    private static boolean hasFlax(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c", "import jax, flax, safetensors").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
