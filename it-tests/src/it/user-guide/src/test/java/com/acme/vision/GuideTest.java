package com.acme.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.models.ResNet18;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.model.LoadOptions;
import org.netspec.runtime.train.Trainer;

/**
 * docs/java.md, run: each {@code tag::NAME[]} region below is the guide's snippet of that name,
 * word for word (verify.groovy compares them), and this test runs them in the guide's order.
 */
class GuideTest {
    @TempDir
    Path dir;

    @Test
    void theGuideRuns() throws Exception {
        // tag::build[]
        SENet10 model = SENet10.builder().seed(42).build();
        INDArray images = Nd4j.rand(DataType.FLOAT, 8, 1, 64, 64); // [N, C, H, W], as in PyTorch
        INDArray logits = model.predict(images);                     // [8, 5]
        System.out.println(model.summary());
        // end::build[]
        assertArrayEquals(new long[] {8, 5}, logits.shape());
        assertEquals(SENet10.PARAMETER_COUNT, model.parameterCount());

        // tag::features[]
        Map<String, INDArray> features = model.features(images, "layer2", "layer4");
        INDArray layer4 = features.get("layer4");                    // [8, 128, 8, 8]
        // end::features[]
        assertArrayEquals(new long[] {8, 128, 8, 8}, layer4.shape());

        // tag::save[]
        Path file = dir.resolve("senet10.safetensors");
        model.saveWeights(file);
        SENet10 again = SENet10.builder().build();
        again.loadWeights(file);
        // end::save[]
        assertEquals(logits, again.predict(images));

        // What tools/torch_to_safetensors.py writes from torchvision, NetSpec writes too.
        ResNet18.builder().seed(3).build().saveWeights(Path.of("resnet18.safetensors"));
        // tag::torchvision[]
        ResNet18 resnet = ResNet18.builder().build();
        resnet.loadWeights(Path.of("resnet18.safetensors"));
        // end::torchvision[]
        // tag::finetune[]
        ResNet18 tuned = ResNet18.builder().classes(5).inputShape(3, 64, 64).build();
        tuned.loadWeights(Path.of("resnet18.safetensors"), LoadOptions.strict().withNewHead("fc"));
        // end::finetune[]
        assertEquals(resnet.parameters().all().get("layer1.0.conv1.weight"),
                tuned.parameters().all().get("layer1.0.conv1.weight"));
        Files.delete(Path.of("resnet18.safetensors"));

        Random random = new Random(1);
        byte[] pixels = new byte[200 * 64 * 64];
        int[] labels = new int[200];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = random.nextInt(5);
            // a class is a brightness: learnable in a few steps
            java.util.Arrays.fill(pixels, i * 64 * 64, (i + 1) * 64 * 64, (byte) (40 * labels[i] + random.nextInt(30)));
        }
        // tag::train[]
        Dataset train = new Dataset("brightness/train", 1, 64, 64, pixels, labels, 5,
                new float[] {0.5f}, new float[] {0.25f});
        Dataset test = train.limit(50);
        Trainer.Config config = Trainer.Config.defaults().epochs(3).batch(20).learningRate(0.05).seed(7);
        List<Trainer.Epoch> epochs = new Trainer(model, train, test, config, dir.resolve("run"), System.err)
                .run(false);
        // end::train[]
        assertEquals(3, epochs.size());
        assertTrue(epochs.get(2).trainLoss() < epochs.get(0).trainLoss(), epochs.toString());

        // tag::export[]
        model.exportOnnx(dir.resolve("senet10.onnx"));
        // end::export[]
        assertTrue(Files.size(dir.resolve("senet10.onnx")) > 0);
    }
}
