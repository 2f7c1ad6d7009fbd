package org.netspec.runtime.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import onnx.Onnx;
import org.netspec.runtime.io.AtomicFiles;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.ByteString;

/**
 * The one class that touches protobuf: writes an {@link OnnxGraph} as an ONNX file through the
 * ONNX classes that {@code nd4j-api} ships ({@code onnx.Onnx}, on ND4J's shaded protobuf). Those
 * are not a public ND4J API, so nothing else in NetSpec may use them.
 */
final class OnnxWriter {
    static final int OPSET = 17;
    static final int IR_VERSION = 8;
    static final String BATCH = "batch";

    private OnnxWriter() {}

    /** Writes to a temporary file beside {@code file}, then renames it: no partial file is ever left. */
    static long write(OnnxGraph graph, ModelInfo info, String input, String output, String producerVersion, Path file)
            throws IOException {
        Onnx.ModelProto model = model(graph, info, input, output, producerVersion);
        AtomicFiles.write(file, model::writeTo);
        return Files.size(file);
    }

    static Onnx.ModelProto model(OnnxGraph graph, ModelInfo info, String input, String output, String producerVersion) {
        Onnx.GraphProto.Builder g = Onnx.GraphProto.newBuilder().setName(info.name())
                .addInput(value(input, info.input()))
                .addOutput(value(output, info.output()));
        for (OnnxGraph.Node n : graph.nodes()) {
            Onnx.NodeProto.Builder node = Onnx.NodeProto.newBuilder().setName(n.name()).setOpType(n.opType())
                    .addAllInput(n.inputs()).addAllOutput(n.outputs());
            n.attributes().forEach((name, v) -> node.addAttribute(attribute(name, v)));
            g.addNode(node);
        }
        graph.initializers().forEach((name, t) -> g.addInitializer(tensor(name, t)));
        Onnx.ModelProto.Builder m = Onnx.ModelProto.newBuilder().setIrVersion(IR_VERSION)
                .setProducerName("NetSpec").setProducerVersion(producerVersion)
                .setDocString(info.description()).setModelVersion(1)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(g);
        info.metadata().forEach((k, v) -> m.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    /** A float32 value with a symbolic batch dimension in front of one example's shape. */
    private static Onnx.ValueInfoProto value(String name, int[] example) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder()
                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH));
        for (int d : example) {
            shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder().setTensorType(
                Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE).setShape(shape)))
                .build();
    }

    private static Onnx.AttributeProto attribute(String name, Object v) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name);
        if (v instanceof Long l) {
            a.setType(Onnx.AttributeProto.AttributeType.INT).setI(l);
        } else if (v instanceof Float f) {
            a.setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(f);
        } else if (v instanceof String s) {
            a.setType(Onnx.AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
        } else if (v instanceof long[] ints) {
            a.setType(Onnx.AttributeProto.AttributeType.INTS);
            for (long i : ints) {
                a.addInts(i);
            }
        } else {
            throw new IllegalStateException("attribute " + name + " of unsupported type " + v.getClass());
        }
        return a.build();
    }

    /**
     * Little-endian raw data, row-major: int64 for shapes the exporter writes (Reshape's), float32
     * for tensors whatever the parameters' own type.
     */
    private static Onnx.TensorProto tensor(String name, INDArray t) {
        ByteBuffer bytes;
        int type;
        if (t.dataType() == DataType.LONG) {
            long[] data = t.dup('c').data().asLong();
            bytes = ByteBuffer.allocate(data.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asLongBuffer().put(data);
            type = Onnx.TensorProto.DataType.INT64_VALUE;
        } else {
            float[] data = t.castTo(DataType.FLOAT).dup('c').data().asFloat();
            bytes = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(data);
            type = Onnx.TensorProto.DataType.FLOAT_VALUE;
        }
        Onnx.TensorProto.Builder p = Onnx.TensorProto.newBuilder().setName(name)
                .setDataType(type).setRawData(ByteString.copyFrom(bytes.array()));
        for (long d : t.shape()) {
            p.addDims(d);
        }
        return p.build();
    }
}
