package org.netspec.runtime.io;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Flax checkpoints as {@code flax.serialization.to_bytes(variables)} writes them: msgpack maps of
 * maps, each array a msgpack extension of type 1 whose payload is the msgpack triple
 * {@code (shape, dtype name, C-order bytes)}. Tensors are named by their paths joined with dots
 * ({@code params.ResNetBlock_0.Conv_0.kernel}, {@code batch_stats.bn_init.mean}), in Flax's own
 * layouts (see {@link FlaxLayout} for NetSpec's).
 *
 * <p>Read as hostile input, under the safetensors reader's rules: every length (map, string,
 * extension, shape) is checked against the bytes left in the file before anything is allocated,
 * nesting is bounded, only known dtypes are accepted, and each array's byte count must equal its
 * shape times its element size. Every error names the file and the path.
 */
public final class FlaxMsgpack {
    /** Flax's extension codes (flax.serialization._MsgpackExtType). */
    static final byte NDARRAY = 1;
    static final byte NPSCALAR = 3;
    private static final int MAX_DEPTH = 64;
    private static final int MAX_RANK = 8;

    private FlaxMsgpack() {}

    /** Whether {@code file} starts like a msgpack map (a safetensors file starts with an 8-byte length). */
    public static boolean looksLikeMsgpack(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            int b = in.read();
            return b >= 0x80 && b <= 0x8f || b == 0xde || b == 0xdf;
        }
    }

    /** Every array of the checkpoint by dotted path; scalars that are not arrays (a step counter) are left out. */
    public static Checkpoint read(Path file) throws IOException {
        long size = Files.size(file);
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(new BufferedInputStream(Files.newInputStream(file)))) {
            Reader r = new Reader(file, size, u);
            if (!u.hasNext() || u.getNextFormat().getValueType() != ValueType.MAP) {
                throw new FlaxCheckpointException(file, null, "not a msgpack map (is it a Flax to_bytes file?)");
            }
            r.map("", 0);
            if (u.hasNext()) {
                throw new FlaxCheckpointException(file, null, "trailing bytes after the top-level map");
            }
            return new Checkpoint(file, Collections.unmodifiableMap(r.arrays), List.copyOf(r.skipped));
        } catch (MessagePackException e) {
            throw new FlaxCheckpointException(file, null, "malformed msgpack: " + e.getMessage(), e);
        }
    }

    /** A read checkpoint: its arrays by dotted path, and the paths of the non-array values left out. */
    public record Checkpoint(Path file, Map<String, INDArray> arrays, List<String> skipped) implements TensorSource {
        @Override
        public Set<String> names() {
            return arrays.keySet();
        }

        @Override
        public long[] shape(String name) {
            return arrays.get(name).shape();
        }

        @Override
        public INDArray read(String name) {
            return arrays.get(name);
        }

        @Override
        public void close() {}
    }

    private static final class Reader {
        private final Path file;
        private final long size;
        private final MessageUnpacker u;
        private final Map<String, INDArray> arrays = new LinkedHashMap<>();
        private final List<String> skipped = new ArrayList<>();

        Reader(Path file, long size, MessageUnpacker u) {
            this.file = file;
            this.size = size;
            this.u = u;
        }

        private long left() {
            return size - u.getTotalReadBytes();
        }

        private FlaxCheckpointException error(String path, String reason) {
            return new FlaxCheckpointException(file, path, reason);
        }

        void map(String path, int depth) throws IOException {
            if (depth > MAX_DEPTH) {
                throw error(path, "nested deeper than " + MAX_DEPTH + " levels");
            }
            int entries = u.unpackMapHeader();
            if (entries < 0 || entries > left() / 2) { // a key and a value take at least a byte each
                throw error(path, "map claims " + entries + " entries in " + left() + " bytes");
            }
            for (int i = 0; i < entries; i++) {
                if (u.getNextFormat().getValueType() != ValueType.STRING) {
                    throw error(path, "map key of type " + u.getNextFormat().getValueType() + ", expected a string");
                }
                String key = string(path);
                if (key.isEmpty() || key.contains(".")) {
                    throw error(path, "key '" + key + "' is empty or contains '.'");
                }
                String child = path.isEmpty() ? key : path + "." + key;
                if (key.equals("__msgpack_chunked_array__")) {
                    throw error(path, "arrays split into chunks (over 1 GiB each) are not supported");
                }
                value(child, depth + 1);
            }
        }

        private String string(String path) throws IOException {
            int n = u.unpackRawStringHeader();
            if (n < 0 || n > left()) {
                throw error(path, "string of " + n + " bytes in " + left() + " bytes");
            }
            return new String(u.readPayload(n), java.nio.charset.StandardCharsets.UTF_8);
        }

        private void value(String path, int depth) throws IOException {
            if (arrays.containsKey(path)) {
                throw error(path, "duplicate key");
            }
            MessageFormat f = u.getNextFormat();
            switch (f.getValueType()) {
                case MAP -> map(path, depth);
                case EXTENSION -> {
                    var header = u.unpackExtensionTypeHeader();
                    if (header.getLength() < 0 || header.getLength() > left()) {
                        throw error(path, "array of " + header.getLength() + " bytes in " + left() + " bytes left");
                    }
                    if (header.getType() != NDARRAY && header.getType() != NPSCALAR) {
                        throw error(path, "msgpack extension type " + header.getType() + " (Flax arrays are type 1)");
                    }
                    arrays.put(path, array(path, u.readPayload(header.getLength())));
                }
                case INTEGER, FLOAT, BOOLEAN, NIL, STRING -> {
                    u.skipValue();
                    skipped.add(path);
                }
                default -> throw error(path, "a " + f.getValueType() + " where a map or an array was expected");
            }
        }

        /** The payload of one array: msgpack (shape, dtype name, raw bytes). */
        private INDArray array(String path, byte[] payload) throws IOException {
            try (MessageUnpacker p = MessagePack.newDefaultUnpacker(payload)) {
                if (p.unpackArrayHeader() != 3) {
                    throw error(path, "array payload is not (shape, dtype, bytes)");
                }
                int rank = p.unpackArrayHeader();
                if (rank < 0 || rank > MAX_RANK) {
                    throw error(path, "rank " + rank + " (at most " + MAX_RANK + ")");
                }
                long[] shape = new long[rank];
                long count = 1;
                for (int i = 0; i < rank; i++) {
                    shape[i] = p.unpackLong();
                    if (shape[i] < 0) {
                        throw error(path, "negative dimension in shape " + java.util.Arrays.toString(shape));
                    }
                    count = Math.multiplyExact(count, shape[i]);
                }
                String dtype = p.unpackString();
                Dtype type = Dtype.named(dtype);
                if (type == null) {
                    throw error(path, "dtype '" + dtype + "' is not supported (float32, float64, float16, bfloat16,"
                            + " int32, int64)");
                }
                int n = p.unpackBinaryHeader();
                if (n != Math.multiplyExact(count, type.bytes)) {
                    throw error(path, "shape " + java.util.Arrays.toString(shape) + " of " + dtype + " needs "
                            + count * type.bytes + " bytes, the file holds " + n);
                }
                if (count > Integer.MAX_VALUE) {
                    throw error(path, "more than 2^31 elements");
                }
                return type.decode(ByteBuffer.wrap(p.readPayload(n)).order(ByteOrder.LITTLE_ENDIAN), (int) count, shape);
            } catch (ArithmeticException e) {
                throw error(path, "shape overflows");
            } catch (MessagePackException e) {
                throw error(path, "malformed array payload: " + e.getMessage());
            }
        }
    }

    /** The dtypes a checkpoint of weights can hold, by numpy's name; floats decode to float32 or float64. */
    private enum Dtype {
        FLOAT32("float32", 4), FLOAT64("float64", 8), FLOAT16("float16", 2), BFLOAT16("bfloat16", 2),
        INT32("int32", 4), INT64("int64", 8);

        final String numpy;
        final int bytes;

        Dtype(String numpy, int bytes) {
            this.numpy = numpy;
            this.bytes = bytes;
        }

        static Dtype named(String name) {
            for (Dtype d : values()) {
                if (d.numpy.equals(name)) {
                    return d;
                }
            }
            return null;
        }

        INDArray decode(ByteBuffer b, int n, long[] shape) {
            long[] dims = shape.length == 0 ? new long[0] : shape;
            switch (this) {
                case FLOAT64 -> {
                    double[] v = new double[n];
                    b.asDoubleBuffer().get(v);
                    return Nd4j.create(v, dims, DataType.DOUBLE);
                }
                case INT64 -> {
                    long[] v = new long[n];
                    b.asLongBuffer().get(v);
                    return Nd4j.createFromArray(v).reshape(dims);
                }
                case INT32 -> {
                    int[] v = new int[n];
                    b.asIntBuffer().get(v);
                    return Nd4j.createFromArray(v).reshape(dims);
                }
                default -> {
                    float[] v = new float[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = switch (this) {
                            case FLOAT32 -> b.getFloat();
                            case FLOAT16 -> halfToFloat(b.getShort());
                            default -> Float.intBitsToFloat((b.getShort() & 0xffff) << 16); // bfloat16
                        };
                    }
                    return Nd4j.create(v, dims, DataType.FLOAT);
                }
            }
        }
    }

    /** IEEE 754 half precision to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | mant << 13); // inf, nan
        }
        if (exp == 0) {
            float sub = mant / 1024f / 16384f; // subnormal: mant * 2^-24
            return sign == 0 ? sub : -sub;
        }
        return Float.intBitsToFloat(sign | (exp + 112) << 23 | mant << 13);
    }

    /**
     * Writes float32 arrays by dotted path as Flax's {@code to_bytes} would, nested maps in sorted
     * order, to a temporary file that is then renamed: the file is complete or absent.
     */
    public static void write(Path file, Map<String, INDArray> arrays) throws IOException {
        Map<String, Object> tree = new TreeMap<>();
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            String[] parts = e.getKey().split("\\.");
            Map<String, Object> node = tree;
            for (int i = 0; i < parts.length - 1; i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> next = (Map<String, Object>) node.computeIfAbsent(parts[i], k -> new TreeMap<>());
                node = next;
            }
            node.put(parts[parts.length - 1], e.getValue());
        }
        AtomicFiles.write(file, out -> {
            try (MessagePacker packer = MessagePack.newDefaultPacker(out)) {
                pack(packer, tree);
            }
        });
    }

    private static void pack(MessagePacker packer, Map<String, Object> tree) throws IOException {
        packer.packMapHeader(tree.size());
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            packer.packString(e.getKey());
            if (e.getValue() instanceof INDArray a) {
                byte[] payload = arrayPayload(a);
                packer.packExtensionTypeHeader(NDARRAY, payload.length);
                packer.writePayload(payload);
            } else {
                @SuppressWarnings("unchecked")
                Map<String, Object> child = (Map<String, Object>) e.getValue();
                pack(packer, child);
            }
        }
    }

    private static byte[] arrayPayload(INDArray a) throws IOException {
        float[] v = a.castTo(DataType.FLOAT).dup('c').data().asFloat();
        ByteBuffer bytes = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(v);
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(3);
            p.packArrayHeader(a.rank());
            for (long d : a.shape()) {
                p.packLong(d);
            }
            p.packString("float32");
            p.packBinaryHeader(bytes.capacity());
            p.writePayload(bytes.array());
            return p.toByteArray();
        }
    }
}
