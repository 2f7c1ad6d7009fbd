package org.netspec.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.io.SafeTensors;
import org.netspec.runtime.train.Trainer;

/** Inputs, weights and settings that would give silent wrong results are refused, naming what is wrong. */
class BadInputTest {
    private static Model small() {
        return new SteadyMemoryTest.Small(DataType.FLOAT);
    }

    @Test
    void nonFiniteInputsAreRefusedNotTurnedIntoLogits() {
        Model net = small();
        INDArray nan = Nd4j.zeros(DataType.FLOAT, 2, 8, 16, 16).assign(Float.NaN);
        assertThatThrownBy(() -> net.predict(nan)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Small: the input holds 4096 NaN and 0 infinite values of 4096; refused, as the logits of"
                        + " such input mean nothing");
        INDArray onePixel = Nd4j.rand(DataType.FLOAT, 2, 8, 16, 16);
        onePixel.putScalar(new long[] {1, 3, 4, 5}, Float.NaN);
        assertThatThrownBy(() -> net.predict(onePixel)).hasMessageContaining("1 NaN and 0 infinite");
        INDArray inf = Nd4j.rand(DataType.FLOAT, 1, 16, 16, 8);
        inf.putScalar(new long[] {0, 0, 0, 0}, Float.POSITIVE_INFINITY);
        assertThatThrownBy(() -> net.forward(inf, Mode.EVAL)).hasMessageContaining("0 NaN and 1 infinite");
        assertThatThrownBy(() -> net.predict(Nd4j.zeros(DataType.FLOAT, 0, 8, 16, 16)))
                .hasMessageContaining("the batch is empty");
    }

    /** An 8-bit 16000 x 16000 image once drove a 1,382-parameter model into the OOM killer. */
    @Test
    void aPassLargerThanTheMemoryBudgetIsRefusedBeforeItRuns() {
        Model huge = new Model("Huge", Shape.of(1, 16000, 16000), 1, (b, s) -> {
            Layer conv = b.conv("conv1", s, 8, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 1, true);
            return GradientCheckTest.sequence(conv, b.mean("pool", conv.output(), "spatial", false));
        }) {};
        // 16000^2 x (1 input + 8 conv channels) values of 4 bytes: 9.2 GB per example
        assertThatThrownBy(() -> huge.requireMemory(64, false)).isInstanceOf(org.netspec.runtime.InputException.class)
                .hasMessageStartingWith("Huge: an evaluation pass over 64 example(s) of 1x16000x16000 needs about 562,500 MB")
                .hasMessageContaining("-Dnetspec.maxPassBytes=N");
        small().requireMemory(64, true); // a small model's pass fits
    }

    @Test
    void theRunTimeLayoutIsCheckedWhereItIsTaken() {
        Model net = small();
        INDArray nchw = Nd4j.rand(DataType.FLOAT, 4, 8, 16, 16);
        assertThatThrownBy(() -> net.forward(nchw, Mode.TRAIN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Small takes batches in its run-time layout [N, 16, 16, 8] (NHWC), got [4, 8, 16, 16];"
                        + " predict() and features() take NCHW");
        INDArray labels = Nd4j.createFromArray(1, 2, 3, 4);
        assertThatThrownBy(() -> net.gradients(nchw, labels, 0)).hasMessageContaining("got [4, 8, 16, 16]");
        assertThat(net.gradients(net.toModelLayout(nchw), labels, 0).logits().shape()).containsExactly(4, 10);
    }

    @Test
    void checkpointsWithNonFiniteValuesChangeNothing(@TempDir Path dir) throws Exception {
        Model net = small();
        Path file = dir.resolve("nan.safetensors");
        Map<String, INDArray> all = new java.util.LinkedHashMap<>(net.parameters().all());
        INDArray broken = all.get("conv1.weight").dup().assign(Float.NaN);
        all.put("conv1.weight", broken);
        SafeTensors.write(file, all, Map.of());
        INDArray before = net.parameters().all().get("conv2.weight").dup();
        assertThatThrownBy(() -> net.loadWeights(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds values no model can use (1 tensors)")
                .hasMessageContaining("non-finite conv1.weight: 1152 NaN and 0 infinite values of 1152");
        assertThat(net.parameters().all().get("conv2.weight")).isEqualTo(before);
        assertThat(net.parameters().all().get("conv1.weight").isNaN().any()).isFalse();
    }

    @Test
    void settingsThatCannotTrainAreRefused() {
        assertThatThrownBy(() -> config(Double.NaN, 0.9, true)).hasMessageContaining("learning rate must be a positive number");
        assertThatThrownBy(() -> config(0.1, 0, true)).hasMessageContaining("Nesterov momentum needs a momentum above 0");
        assertThatThrownBy(() -> config(0.1, 1.5, false)).hasMessageContaining("momentum must be in [0, 1)");
        assertThat(config(0.1, 0, false).momentum()).isZero();
    }

    private static Trainer.Config config(double lr, double momentum, boolean nesterov) {
        return new Trainer.Config(1, 4, lr, "sgd", momentum, nesterov, 0, 0, 0, Dataset.Augment.NONE, 0);
    }

    /** A diverging run stops at the step whose loss is not a number and writes no checkpoint of it. */
    @Test
    void aLossThatIsNotANumberStopsTheRunAtItsStep(@TempDir Path dir) {
        Model net = small();
        net.parameters().all().get("fc.weight").assign(Float.MAX_VALUE);
        net.parameters().touch();
        byte[] pixels = new byte[8 * 8 * 16 * 16];
        new java.util.Random(1).nextBytes(pixels);
        float[] mean = new float[8];
        float[] std = new float[8];
        java.util.Arrays.fill(std, 1);
        Dataset data = new Dataset("random", 8, 16, 16, pixels, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 10, mean, std);
        Trainer trainer = new Trainer(net, data, data, config(0.1, 0.9, true), dir.resolve("out"),
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        assertThatThrownBy(() -> trainer.run(false)).isInstanceOf(Trainer.Diverged.class)
                .hasMessageStartingWith("epoch 1, step 1 of 2 (step 1 of the run): the loss is ");
        assertThat(Files.exists(dir.resolve("out").resolve(Trainer.CHECKPOINT))).isFalse();
    }
}
