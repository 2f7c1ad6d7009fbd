package org.netspec.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A trainer's state (weights, statistics, optimizer buffers) as bytes, to broadcast and to collect. */
final class TensorState {
    private TensorState() {}

    static byte[] write(Map<String, INDArray> tensors) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(tensors.size());
            for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
                INDArray t = e.getValue().dup('c');
                out.writeUTF(e.getKey());
                out.writeBoolean(t.dataType() == DataType.DOUBLE);
                out.writeInt(t.rank());
                for (long d : t.shape()) {
                    out.writeLong(d);
                }
                if (t.dataType() == DataType.DOUBLE) {
                    double[] v = t.data().asDouble();
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * v.length);
                    b.asDoubleBuffer().put(v);
                    out.write(b.array());
                } else {
                    float[] v = t.castTo(DataType.FLOAT).data().asFloat();
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * v.length);
                    b.asFloatBuffer().put(v);
                    out.write(b.array());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Map<String, INDArray> read(byte[] bytes) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                boolean doubles = in.readBoolean();
                long[] shape = new long[in.readInt()];
                long length = 1;
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.readLong();
                    length *= shape[d];
                }
                byte[] raw = new byte[Math.toIntExact(length * (doubles ? 8 : 4))];
                in.readFully(raw);
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(raw);
                if (doubles) {
                    double[] v = new double[Math.toIntExact(length)];
                    b.asDoubleBuffer().get(v);
                    tensors.put(name, shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.create(v, shape, 'c'));
                } else {
                    float[] v = new float[Math.toIntExact(length)];
                    b.asFloatBuffer().get(v);
                    tensors.put(name, shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.create(v, shape, 'c'));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a damaged training state (" + bytes.length + " bytes)", e);
        }
        return tensors;
    }
}
