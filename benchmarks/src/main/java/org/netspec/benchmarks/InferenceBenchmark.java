package org.netspec.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.models.ResNet18;
import org.netspec.models.ResNet50;
import org.netspec.runtime.model.Model;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Evaluation forward pass of the generated ResNet-50 and ResNet-18: float32, 3x224x224, 1000
 * classes, batch 1 and 8 — the shapes of the README table and of benchmarks/torch_resnet.py.
 * Engine {@code onnxruntime} runs the same model, weights and input through ONNX Runtime (Java,
 * CPU provider) from NetSpec's own export, with as many intra-op threads as NetSpec's oneDNN uses
 * (the machine's cores, or {@code -Dthreads=N}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "-Dorg.bytedeco.javacpp.maxbytes=8G"})
public class InferenceBenchmark {
    @Param({"ResNet50", "ResNet18"})
    public String model;

    @Param({"1", "8"})
    public int batch;

    @Param({"netspec", "onnxruntime"})
    public String engine;

    private Model net;
    private INDArray images;
    private OrtSession session;
    private OnnxTensor input;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        net = model.equals("ResNet50") ? ResNet50.builder().seed(1).build() : ResNet18.builder().seed(1).build();
        images = Nd4j.rand(DataType.FLOAT, batch, 3, 224, 224);
        if (engine.equals("onnxruntime")) {
            Path file = Files.createTempFile("netspec-bench", ".onnx");
            net.exportOnnx(file);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(Integer.getInteger("threads", Runtime.getRuntime().availableProcessors()));
                session = env.createSession(file.toString(), options);
            }
            Files.delete(file);
            input = OnnxTensor.createTensor(env, FloatBuffer.wrap(images.dup('c').data().asFloat()), images.shape());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (session != null) {
            input.close();
            session.close();
        }
    }

    @Benchmark
    public Object predict() throws Exception {
        if (session == null) {
            return net.predict(images);
        }
        try (OrtSession.Result r = session.run(Map.of("input", input))) {
            return ((OnnxTensor) r.get(0)).getFloatBuffer();
        }
    }
}
