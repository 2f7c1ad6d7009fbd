package org.netspec.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.netspec.dsl.Frontend;
import org.netspec.dsl.Program;
import org.netspec.dsl.ir.Layer;
import org.netspec.dsl.ir.ModelGraph;
import org.netspec.dsl.ir.Shape;

/**
 * The ResNet family as torchvision counts it: parameters (which cannot see where a stride sits)
 * and MACs (which can), exactly, at 3x224x224 with 1000 classes.
 */
class ResNetFamilyTest {
    private static Program program;

    @BeforeAll
    static void load() {
        program = Frontend.load(List.of(Path.of("src/main/net/resnet.net"), Path.of("src/main/net/cifar_resnet.net")),
                ResNetFamilyTest.class.getClassLoader());
        assertThat(program.diagnostics().format()).isEmpty();
    }

    static ModelGraph elaborate(String model, String input) {
        Optional<ModelGraph> graph = program.elaborate(model, Optional.ofNullable(input).map(ResNetFamilyTest::shape));
        assertThat(program.diagnostics().format()).isEmpty();
        return graph.orElseThrow();
    }

    static Shape shape(String text) {
        return new Shape(java.util.Arrays.stream(text.split("x")).map(Integer::valueOf).toList());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "ResNet18,  11689512, 1814073344",
            "ResNet34,  21797672, 3663761408",
            "ResNet50,  25557032, 4089184256",
            "ResNet101, 44549160, 7801405440",
            "ResNet152, 60192808, 11513626624",
            "ResNet200, 64673832, 15007481856",
            "WideResNet50_2, 68883240, 11398021120",
            "WideResNet101_2, 126886696, 22753050624",
            "ResNeXt50_32x4d, 25028904, 4230479872",
            "ResNeXt101_32x8d, 88791336, 16414015488"})
    void imageNetModels(String model, long params, long macs) {
        ModelGraph graph = elaborate(model, null);
        assertThat(graph.input()).isEqualTo(Shape.chw(3, 224, 224));
        assertThat(graph.outputShape()).isEqualTo(Shape.flat(1000));
        assertThat(graph.params()).isEqualTo(params);
        assertThat(graph.macs()).isEqualTo(macs);
        // The parameter total is the sum over the checkpoint's trainable tensors.
        assertThat(graph.tensors().stream().filter(t -> t.kind() == org.netspec.dsl.ir.Tensor.Kind.PARAMETER)
                .mapToLong(org.netspec.dsl.ir.Tensor::elements).sum()).isEqualTo(params);
    }

    @Test
    void cifarResNets() {
        assertThat(elaborate("ResNet20", "1x28x28").params()).isEqualTo(272_186);
        assertThat(elaborate("ResNet20", null).params()).isEqualTo(272_474); // 0.27M in He et al. table 6
        assertThat(elaborate("ResNet56", null).params()).isEqualTo(855_770); // 0.85M
        ModelGraph r20 = elaborate("ResNet20", "1x28x28");
        assertThat(r20.layers().stream().filter(l -> l.op().equals("conv") || l.op().equals("dense")).count())
                .as("6n + 2 weighted layers plus two projection shortcuts").isEqualTo(20 + 2);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "ResNet18, 64x56x56, 128x28x28, 256x14x14, 512x7x7",
            "ResNet50, 256x56x56, 512x28x28, 1024x14x14, 2048x7x7"})
    void stageOutputs(String model, String s1, String s2, String s3, String s4) {
        ModelGraph graph = elaborate(model, null);
        Map<String, Shape> lastOfStage = graph.layers().stream()
                .filter(l -> l.name().startsWith("layer") && l.op().equals("relu") && l.scope().split("\\.").length == 2)
                .collect(Collectors.toMap(l -> l.scope().split("\\.")[0], Layer::output, (a, b) -> b));
        assertThat(lastOfStage).containsEntry("layer1", shape(s1)).containsEntry("layer2", shape(s2))
                .containsEntry("layer3", shape(s3)).containsEntry("layer4", shape(s4));
    }

    @Test
    void bottleneckStridesOnItsThreeByThree() {
        ModelGraph graph = elaborate("ResNet50", null);
        Map<String, Layer> byName = graph.layers().stream().collect(Collectors.toMap(Layer::name, l -> l));
        assertThat(byName.get("layer2.0.conv1").attrs().get("stride")).isEqualTo(List.of(1, 1));
        assertThat(byName.get("layer2.0.conv2").attrs().get("stride")).isEqualTo(List.of(2, 2));
        assertThat(byName.get("layer2.0.conv3").attrs().get("stride")).isEqualTo(List.of(1, 1));
        assertThat(byName.get("layer2.0.downsample.0").attrs().get("stride")).isEqualTo(List.of(2, 2));
        assertThat(byName.get("conv1").attrs().get("padding")).isEqualTo(List.of(3, 3, 3, 3));
        assertThat(byName.get("maxpool_0").attrs().get("padding")).isEqualTo(List.of(1, 1, 1, 1));
        assertThat(byName).doesNotContainKey("layer1.1.downsample.0");
    }
}
