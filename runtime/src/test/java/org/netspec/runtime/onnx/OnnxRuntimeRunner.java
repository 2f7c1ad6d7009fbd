package org.netspec.runtime.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Runs an exported file in ONNX Runtime (Java, CPU): the independent engine exports are checked against. */
public final class OnnxRuntimeRunner implements AutoCloseable {
    private final OrtSession session;

    public OnnxRuntimeRunner(Path file) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            session = env.createSession(file.toString(), options);
        }
    }

    public OrtSession session() {
        return session;
    }

    /** The output {@code logits} for input {@code input} (NCHW, or N x F). */
    public INDArray run(INDArray input) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] data = input.castTo(DataType.FLOAT).dup('c').data().asFloat();
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), input.shape());
             OrtSession.Result result = session.run(Map.of("input", in))) {
            OnnxTensor out = (OnnxTensor) result.get("logits").orElseThrow();
            long[] shape = out.getInfo().getShape();
            FloatBuffer values = out.getFloatBuffer();
            float[] copy = new float[values.remaining()];
            values.get(copy);
            return Nd4j.create(copy, shape, 'c');
        }
    }

    /** max |actual - expected| / max |expected|. */
    public static double relativeError(INDArray actual, INDArray expected) {
        double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-12);
        return actual.castTo(DataType.DOUBLE).sub(expected.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() / scale;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
