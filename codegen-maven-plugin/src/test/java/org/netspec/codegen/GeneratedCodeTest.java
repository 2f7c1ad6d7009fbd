package org.netspec.codegen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.model.Model;

/**
 * Generates every spec in models/, compiles the sources with all lint warnings as errors, and
 * uses the classes: build-time constants agree with the instantiated models, and forward passes run.
 */
class GeneratedCodeTest {

    static Model build(String model, Object... settings) throws ReflectiveOperationException {
        return CompiledModels.build(model, settings);
    }

    static long constant(String model, String name) throws ReflectiveOperationException {
        return CompiledModels.constant(model, name);
    }

    @Test
    void parameterCountsMatchTheBuildTimeConstants() throws ReflectiveOperationException {
        for (String model : List.of("ResNet18", "ResNet50", "ResNet20", "ResNet56", "ResNeXt50_32x4d")) {
            Model instance = build(model);
            assertThat(instance.parameterCount()).as(model).isEqualTo(constant(model, "PARAMETER_COUNT"));
            assertThat(instance.macs()).as(model).isEqualTo(constant(model, "MACS"));
        }
        assertThat(constant("ResNet50", "PARAMETER_COUNT")).isEqualTo(25_557_032L);
        assertThat(constant("ResNet200", "MACS")).isEqualTo(15_007_481_856L);
    }

    @Test
    void narrowResNet18RunsForward() throws ReflectiveOperationException {
        Model model = build("ResNet18", "filters", 16, "classes", 10, "inputShape", new int[] {3, 64, 64}, "seed", 7L);
        assertThat(model.parameterCount()).isEqualTo(703_386); // torchvision's resnet18 at width 16, 10 classes
        INDArray images = Nd4j.rand(DataType.FLOAT, 2, 3, 64, 64);
        INDArray logits = model.predict(images);
        assertThat(logits.shape()).containsExactly(2, 10);
        Map<String, INDArray> features = model.features(images, "layer2", "layer4.1", "conv1");
        assertThat(features.get("layer2").shape()).containsExactly(2, 32, 8, 8); // NCHW, as FEATURES says
        assertThat(features.get("layer4.1").shape()).containsExactly(2, 128, 2, 2);
        assertThat(features.get("conv1").shape()).containsExactly(2, 16, 32, 32);
        // A conv's feature is its own output, not the batch norm folded into it for evaluation.
        model.parameters().parameters().get("bn1.weight").assign(3);
        model.parameters().touch();
        Map<String, INDArray> both = model.features(images, "conv1", "bn1");
        INDArray folded = model.features(images, "bn1").get("bn1");
        assertThat(both.get("bn1").sub(both.get("conv1").mul(3 / Math.sqrt(1 + 1e-5))).amaxNumber().doubleValue())
                .isLessThan(1e-4);
        assertThat(folded.sub(both.get("bn1")).amaxNumber().doubleValue()).isLessThan(1e-4);
    }

    @Test
    void sameSeedSameWeightsAndGuardedInput() throws ReflectiveOperationException {
        Model a = build("ResNet20", "inputShape", new int[] {1, 28, 28}, "seed", 3L);
        Model b = build("ResNet20", "inputShape", new int[] {1, 28, 28}, "seed", 3L);
        assertThat(a.parameterCount()).isEqualTo(272_186);
        a.parameters().all().forEach((name, value) -> assertThat(value).as(name).isEqualTo(b.parameters().all().get(name)));
        assertThatThrownBy(() -> a.predict(Nd4j.rand(DataType.FLOAT, 2, 3, 28, 28)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ResNet20 expects images of shape [N, 1, 28, 28] (NCHW), got [2, 3, 28, 28]");
        assertThatThrownBy(() -> a.predict(Nd4j.rand(DataType.DOUBLE, 2, 1, 28, 28)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("float32");
    }

    @Test
    void predictIsSafeFromSeveralThreads() throws Exception {
        Model model = build("ResNet18", "filters", 8, "classes", 10, "inputShape", new int[] {3, 32, 32}, "seed", 5L);
        java.util.List<INDArray> inputs = new java.util.ArrayList<>();
        java.util.List<INDArray> sequential = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            inputs.add(Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32));
            sequential.add(model.predict(inputs.get(i)));
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<java.util.concurrent.Future<INDArray>> futures = new java.util.ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (INDArray in : inputs) {
                    futures.add(pool.submit(() -> model.predict(in)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get()).isEqualTo(sequential.get(i % inputs.size()));
            }
        } finally {
            pool.shutdown();
        }
    }
}
