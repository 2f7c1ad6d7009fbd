package org.netspec.benchmarks;

import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.models.ResNet20;
import org.netspec.models.ResNet50;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.train.Sgd;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One training step — forward in training mode, softmax cross-entropy, backward, SGD with
 * Nesterov momentum 0.9 and weight decay 5e-4 — of the CIFAR-style ResNet-20 on a batch of 128
 * Fashion-MNIST-sized images (1x28x28, 10 classes) and of ResNet-50 on a batch of 8 at 3x224x224
 * (1000 classes): the configurations of benchmarks/torch_train.py.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "-Dorg.bytedeco.javacpp.maxbytes=12G"})
public class TrainingBenchmark {
    @Param({"ResNet20", "ResNet50"})
    public String model;

    private Model net;
    private INDArray images;
    private INDArray labels;
    private final Sgd sgd = new Sgd(0.9, true, 5e-4, false);

    @Setup(Level.Trial)
    public void setUp() {
        int batch;
        if (model.equals("ResNet20")) {
            net = ResNet20.builder().inputShape(1, 28, 28).seed(1).build();
            batch = 128;
        } else {
            net = ResNet50.builder().seed(1).build();
            batch = 8;
        }
        Nd4j.getRandom().setSeed(1);
        images = net.toModelLayout(Nd4j.rand(DataType.FLOAT, batch, net.inputShape().channels(),
                net.inputShape().height(), net.inputShape().width()));
        labels = Nd4j.createFromArray(java.util.stream.IntStream.range(0, batch).map(i -> (i * 7) % 10).toArray());
    }

    @Benchmark
    public double step() {
        Model.Gradients g = net.gradients(images, labels, 0);
        sgd.step(net.parameters().parameters(), g.gradients(), 0.01);
        net.parameters().touch();
        g.gradients().values().forEach(INDArray::close); // as the trainer does: freed now, not by the collector
        return g.loss();
    }
}
