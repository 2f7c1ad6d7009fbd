package org.netspec.models;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxModelMetadata;
import ai.onnxruntime.TensorInfo;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.io.SafeTensors;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.onnx.OnnxOptions;
import org.netspec.runtime.onnx.OnnxRuntimeRunner;

/**
 * Every model of the family, exported to ONNX, runs in ONNX Runtime with NetSpec's logits (1e-4
 * relative) at batch 1 and 3, batch norms as nodes and folded; the torchvision fixtures exported
 * reproduce torchvision's own logits.
 */
class OnnxExportTest {
    private static final Path FIXTURES = Path.of(System.getProperty("netspec.fixtures", "../../shared/fixtures"));

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of(ResNet18.builder().filters(8).classes(10).inputShape(3, 64, 64).seed(1).build()),
                Arguments.of(ResNet34.builder().filters(8).classes(10).inputShape(3, 64, 64).seed(2).build()),
                Arguments.of(ResNet50.builder().filters(8).classes(10).inputShape(3, 64, 64).seed(3).build()),
                Arguments.of(ResNet101.builder().filters(8).classes(10).inputShape(3, 64, 64).seed(4).build()),
                Arguments.of(ResNet152.builder().filters(8).classes(10).inputShape(3, 64, 64).seed(5).build()),
                Arguments.of(ResNet200.builder().filters(8).classes(10).inputShape(3, 64, 64).seed(6).build()),
                Arguments.of(WideResNet50_2.builder().filters(8).classes(10).inputShape(3, 64, 64).seed(7).build()),
                Arguments.of(ResNeXt50_32x4d.builder().filters(16).classes(10).inputShape(3, 64, 64).seed(8).build()),
                Arguments.of(ResNeXt101_32x8d.builder().filters(16).classes(10).inputShape(3, 64, 64).seed(9).build()),
                Arguments.of(ResNet20.builder().inputShape(1, 28, 28).seed(10).build()),
                Arguments.of(ResNet56.builder().seed(11).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void onnxRuntimeGivesNetSpecsLogits(Model net, @TempDir Path dir) throws Exception {
        // statistics away from 0 and 1, so that exporting batch norm wrongly shows
        net.parameters().state().forEach((name, v) -> v.assign(Nd4j.rand(DataType.FLOAT, v.shape())
                .muli(name.endsWith("var") ? 1 : 0.4).addi(name.endsWith("var") ? 0.5 : -0.2)));
        net.parameters().touch();
        for (boolean fold : new boolean[] {false, true}) {
            Path file = dir.resolve(net.name() + fold + ".onnx");
            var report = net.exportOnnx(file, OnnxOptions.defaults().withFoldedBatchNorm(fold));
            if (!fold) { // every checkpoint tensor is an initializer
                assertThat(report.initializers()).isEqualTo(net.parameters().all().size());
                assertThat(report.bytes()).isGreaterThan(4 * net.parameterCount());
            }
            try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(file)) {
                for (int batch : new int[] {1, 3}) {
                    Nd4j.getRandom().setSeed(batch);
                    INDArray images = Nd4j.rand(DataType.FLOAT, batch, net.inputShape().channels(),
                            net.inputShape().height(), net.inputShape().width());
                    assertThat(OnnxRuntimeRunner.relativeError(ort.run(images), net.predict(images)))
                            .as("%s, batch %d, folded %s", net.name(), batch, fold).isLessThan(1e-4);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"ResNet18, resnet18_w16_c10", "ResNet50, resnet50_w16_c10"})
    void exportedTorchvisionWeightsReproduceTorchvision(String model, String fixture, @TempDir Path dir)
            throws Exception {
        Model net = model.equals("ResNet18") ? ResNet18.builder().filters(16).classes(10).inputShape(3, 64, 64).build()
                : ResNet50.builder().filters(16).classes(10).inputShape(3, 64, 64).build();
        net.loadWeights(FIXTURES.resolve(fixture + ".safetensors"));
        Path file = dir.resolve(model + ".onnx");
        net.exportOnnx(file);
        try (SafeTensors io = SafeTensors.open(FIXTURES.resolve(fixture + ".io.safetensors"));
             OnnxRuntimeRunner ort = new OnnxRuntimeRunner(file)) {
            INDArray logits = ort.run(io.readArray("input_nchw"));
            assertThat(OnnxRuntimeRunner.relativeError(logits, io.readArray("eval_logits"))).isLessThan(1e-4);

            // what the file says about itself
            NodeInfo input = ort.session().getInputInfo().get("input");
            assertThat(((TensorInfo) input.getInfo()).getShape()).containsExactly(-1, 3, 64, 64);
            assertThat(ort.session().getOutputNames()).containsExactly("logits");
            OnnxModelMetadata meta = ort.session().getMetadata();
            assertThat(meta.getProducerName()).isEqualTo("NetSpec");
            assertThat(meta.getDescription()).startsWith("ImageNet ResNet");
            assertThat(meta.getCustomMetadata()).containsEntry("netspec.model", model)
                    .containsEntry("netspec.input", "3x64x64").containsKey("netspec.version");
        }
    }
}
