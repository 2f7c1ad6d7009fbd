package org.netspec.runtime.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reader and writer for the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format: an 8-byte little-endian header length {@code N}, {@code N} bytes of UTF-8 JSON header,
 * then raw little-endian row-major tensor data addressed by {@code data_offsets} relative to the end
 * of the header.
 *
 * <p><b>Reading</b> ({@link #open(Path)}) validates the whole header up front and treats the file as
 * untrusted: the header length is bounded, the JSON is parsed with depth and size limits and
 * duplicate keys rejected, every tensor's dtype, shape and offsets are checked against each other
 * and the file size, and no two tensors may overlap. Holes between tensors and trailing bytes are
 * tolerated (they are harmless; the format does not forbid them explicitly). Any problem surfaces
 * as a {@link SafeTensorsException} naming the file and tensor. Tensor data is then read lazily, one
 * tensor at a time, with positional reads, so a large file is never loaded whole. An open reader is
 * safe for concurrent reads; {@link #close()} releases the file.
 *
 * <p><b>Writing</b> ({@link #write(Path, Map, Map)}) produces deterministic bytes: tensors in
 * name order, compact JSON, header padded with spaces so the data starts 8-byte aligned. It writes
 * a temporary file in the target directory and renames it atomically over the target.
 */
public final class SafeTensors implements TensorSource {

    /** Largest header accepted, as in the reference implementation; real headers are kilobytes. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";

    /** libnd4j's maximum rank; larger ranks are valid safetensors but cannot become an INDArray. */
    private static final int ND4J_MAX_RANK = 32;
    /** Largest Java array the VM reliably allocates. */
    private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;
    /** I/O chunk: big enough for throughput, small enough to bound temporary buffers; multiple of 8. */
    private static final int CHUNK_BYTES = 1 << 20;

    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    // A valid header nests 3 deep; the limit only keeps hostile input from recursing far.
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafeTensors(Path file, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    // ------------------------------------------------------------------------------------------------
    // Reading

    /** Opens {@code file} and validates its header; tensor data is read later, on demand. */
    public static SafeTensors open(Path file) throws SafeTensorsException {
        Objects.requireNonNull(file, "file");
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException | UnsupportedOperationException e) {
            throw new SafeTensorsException(file, null, "cannot open: " + e, e);
        }
        try {
            return readHeader(file, channel);
        } catch (SafeTensorsException e) {
            closeQuietly(channel, e);
            throw e;
        }
    }

    private static SafeTensors readHeader(Path file, FileChannel channel) throws SafeTensorsException {
        long size;
        try {
            size = channel.size();
        } catch (IOException e) {
            throw new SafeTensorsException(file, null, "cannot determine size: " + e, e);
        }
        if (size < 8) {
            throw new SafeTensorsException(file, "file has " + size
                    + " bytes, fewer than the 8-byte header length prefix (truncated or not safetensors)");
        }
        ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, channel, null, prefix, 0);
        long headerLength = prefix.getLong(0);
        // Unsigned compare: a length >= 2^63 reads as negative and must be rejected as huge, not small.
        if (Long.compareUnsigned(headerLength, MAX_HEADER_BYTES) > 0) {
            throw new SafeTensorsException(file, "header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (headerLength > size - 8) {
            throw new SafeTensorsException(file, "header length " + headerLength + " exceeds the "
                    + (size - 8) + " bytes after the length prefix (truncated file?)");
        }
        if (headerLength < 2) {
            throw new SafeTensorsException(file, "header length " + headerLength
                    + " is too small for a JSON object");
        }
        byte[] headerBytes = new byte[(int) headerLength];
        readFully(file, channel, null, ByteBuffer.wrap(headerBytes), 8);
        long dataStart = 8 + headerLength;
        return parseHeader(file, channel, decodeUtf8(file, headerBytes), dataStart, size - dataStart);
    }

    private static String decodeUtf8(Path file, byte[] bytes) throws SafeTensorsException {
        try {
            // Strict decoder: the format mandates UTF-8, and a lenient one would silently
            // replace bytes and maybe turn two distinct tensor names into one.
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new SafeTensorsException(file, null, "header is not valid UTF-8", e);
        }
    }

    private static SafeTensors parseHeader(Path file, FileChannel channel, String json, long dataStart,
            long dataSize) throws SafeTensorsException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SafeTensorsException(file, null, "header is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (RuntimeException e) {
            // Library boundary: whatever else the parser throws on hostile input is still "bad header".
            throw new SafeTensorsException(file, null, "header is not valid JSON: " + e, e);
        }
        if (root == null || !root.isObject()) {
            throw new SafeTensorsException(file, "header must be a JSON object, found "
                    + (root == null ? "nothing" : root.getNodeType()));
        }
        Map<String, String> metadata = Map.of();
        List<TensorInfo> infos = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (e.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(file, e.getValue());
            } else {
                infos.add(parseTensor(file, e.getKey(), e.getValue(), dataSize));
            }
        }
        checkNoOverlap(file, infos);
        Map<String, TensorInfo> byName = new TreeMap<>();
        for (TensorInfo t : infos) {
            byName.put(t.name(), t);
        }
        return new SafeTensors(file, channel, dataStart, Collections.unmodifiableMap(byName), metadata);
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) throws SafeTensorsException {
        if (!node.isObject()) {
            throw new SafeTensorsException(file, METADATA_KEY + " must be a JSON object of strings, found "
                    + node.getNodeType());
        }
        Map<String, String> metadata = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafeTensorsException(file, METADATA_KEY + " entry '"
                        + SafeTensorsException.printable(e.getKey()) + "' must be a string, found "
                        + e.getValue().getNodeType());
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static TensorInfo parseTensor(Path file, String name, JsonNode node, long dataSize)
            throws SafeTensorsException {
        if (!node.isObject()) {
            throw new SafeTensorsException(file, name, "entry must be a JSON object, found " + node.getNodeType());
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafeTensorsException(file, name, "dtype must be a string, found " + describe(dtypeNode));
        }
        SafeTensorsDtype dtype = SafeTensorsDtype.fromHeaderName(dtypeNode.textValue()).orElseThrow(() ->
                new SafeTensorsException(file, name, "unknown dtype '"
                        + SafeTensorsException.printable(dtypeNode.textValue()) + "' (known: "
                        + Arrays.toString(SafeTensorsDtype.values()) + ")"));

        long[] shape = nonNegativeLongs(file, name, "shape", node.get("shape"), -1);
        long[] offsets = nonNegativeLongs(file, name, "data_offsets", node.get("data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];

        // Byte size of the tensor, and of the tensor with every 0 dimension taken as 1: the latter
        // must also fit in a long, or strides of an empty tensor would overflow in ND4J.
        long byteLength;
        try {
            long numel = 1;
            long nonEmpty = dtype.byteSize();
            for (long d : shape) {
                numel = Math.multiplyExact(numel, d);
                nonEmpty = Math.multiplyExact(nonEmpty, Math.max(d, 1));
            }
            byteLength = Math.multiplyExact(numel, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new SafeTensorsException(file, name, "shape " + Arrays.toString(shape)
                    + " of " + dtype + " overflows 64 bits when multiplied out (in bytes, 0 dimensions counted as 1)");
        }
        if (begin > end) {
            throw new SafeTensorsException(file, name, "data_offsets [" + begin + ", " + end + "] have begin > end");
        }
        if (end > dataSize) {
            throw new SafeTensorsException(file, name, "data_offsets [" + begin + ", " + end
                    + "] extend past the " + dataSize + "-byte data section (truncated file?)");
        }
        if (end - begin != byteLength) {
            throw new SafeTensorsException(file, name, "shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + byteLength + " bytes but data_offsets [" + begin + ", " + end + "] span "
                    + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** Reads a JSON array of non-negative integers; {@code expectedLength < 0} means any length. */
    private static long[] nonNegativeLongs(Path file, String tensor, String field, JsonNode node,
            int expectedLength) throws SafeTensorsException {
        if (node == null || !node.isArray()) {
            throw new SafeTensorsException(file, tensor, field + " must be a JSON array, found " + describe(node));
        }
        if (expectedLength >= 0 && node.size() != expectedLength) {
            throw new SafeTensorsException(file, tensor, field + " must have " + expectedLength
                    + " elements, found " + node.size());
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw new SafeTensorsException(file, tensor, field + "[" + i
                        + "] must be an integer that fits in 64 bits, found " + describe(v));
            }
            values[i] = v.longValue();
            if (values[i] < 0) {
                throw new SafeTensorsException(file, tensor, field + "[" + i + "] is negative: " + values[i]);
            }
        }
        return values;
    }

    private static String describe(JsonNode node) {
        if (node == null) {
            return "nothing";
        }
        return node.getNodeType() + " " + SafeTensorsException.printable(node.toString());
    }

    private static void checkNoOverlap(Path file, List<TensorInfo> infos) throws SafeTensorsException {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        TensorInfo furthest = null; // the non-empty tensor reaching furthest so far
        for (TensorInfo t : sorted) {
            if (t.byteLength() == 0) {
                continue; // an empty range overlaps nothing
            }
            if (furthest != null && t.begin() < furthest.end()) {
                throw new SafeTensorsException(file, t.name(), "data_offsets [" + t.begin() + ", " + t.end()
                        + "] overlap those of tensor '" + SafeTensorsException.printable(furthest.name())
                        + "' [" + furthest.begin() + ", " + furthest.end() + "]");
            }
            if (furthest == null || t.end() > furthest.end()) {
                furthest = t;
            }
        }
    }

    /** The file this reader was opened on. */
    public Path file() {
        return file;
    }

    /** The {@code __metadata__} map, empty if absent; sorted by key. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor's header entry, sorted by name. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** Tensor names, sorted. */
    public Set<String> names() {
        return tensors.keySet();
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The header entry of {@code name}; fails if there is no such tensor. */
    public TensorInfo info(String name) throws SafeTensorsException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new SafeTensorsException(file, name, "no such tensor (the file has " + tensors.size() + ")");
        }
        return t;
    }

    /** The tensor's raw little-endian bytes. */
    @Override
    public long[] shape(String name) throws SafeTensorsException {
        return info(name).shape();
    }

    @Override
    public INDArray read(String name) throws SafeTensorsException {
        return readArray(name);
    }

    public byte[] readBytes(String name) throws SafeTensorsException {
        TensorInfo t = info(name);
        byte[] out = new byte[arrayLength(t, t.byteLength())];
        readFully(file, channel, name, ByteBuffer.wrap(out), dataStart + t.begin());
        return out;
    }

    /** An F32 tensor's elements in row-major order; fails for any other dtype (no silent conversion). */
    public float[] readFloats(String name) throws SafeTensorsException {
        TensorInfo t = require(name, SafeTensorsDtype.F32);
        float[] out = new float[arrayLength(t, t.numel())];
        readChunks(t, (buf, first, count) -> buf.asFloatBuffer().get(out, first, count));
        return out;
    }

    /** An F64 tensor's elements in row-major order. */
    public double[] readDoubles(String name) throws SafeTensorsException {
        TensorInfo t = require(name, SafeTensorsDtype.F64);
        double[] out = new double[arrayLength(t, t.numel())];
        readChunks(t, (buf, first, count) -> buf.asDoubleBuffer().get(out, first, count));
        return out;
    }

    /** An I64 tensor's elements in row-major order. */
    public long[] readLongs(String name) throws SafeTensorsException {
        TensorInfo t = require(name, SafeTensorsDtype.I64);
        long[] out = new long[arrayLength(t, t.numel())];
        readChunks(t, (buf, first, count) -> buf.asLongBuffer().get(out, first, count));
        return out;
    }

    /** An I32 tensor's elements in row-major order. */
    public int[] readInts(String name) throws SafeTensorsException {
        TensorInfo t = require(name, SafeTensorsDtype.I32);
        int[] out = new int[arrayLength(t, t.numel())];
        readChunks(t, (buf, first, count) -> buf.asIntBuffer().get(out, first, count));
        return out;
    }

    /**
     * The tensor as a C-order INDArray of the matching ND4J type (F32 to FLOAT, F64 to DOUBLE, I64 to
     * LONG, and so on) and the same shape; a shape [] tensor becomes a rank-0 scalar. The bytes go
     * straight from the file into ND4J's off-heap buffer. The array is detached from any workspace,
     * since loaded weights usually outlive the scope that loads them.
     */
    public INDArray readArray(String name) throws SafeTensorsException {
        TensorInfo t = info(name);
        DataType type = t.dtype().nd4jType().orElseThrow(() ->
                new SafeTensorsException(file, name, "dtype " + t.dtype() + " has no ND4J counterpart"));
        if (t.rank() > ND4J_MAX_RANK) {
            throw new SafeTensorsException(file, name, "rank " + t.rank() + " exceeds ND4J's maximum of "
                    + ND4J_MAX_RANK);
        }
        requireLittleEndianPlatform(file, name);
        INDArray array = Nd4j.createUninitializedDetached(type, 'c', t.shape());
        if (t.byteLength() == 0) {
            return array;
        }
        BytePointer target = new BytePointer(array.data().addressPointer());
        long done = 0;
        while (done < t.byteLength()) {
            int len = (int) Math.min(CHUNK_BYTES, t.byteLength() - done);
            // getPointer(offset) yields a pointer at base + offset, so chunks also work past 2 GiB.
            ByteBuffer window = target.getPointer(done).capacity(len).limit(len).asByteBuffer();
            readFully(file, channel, name, window, dataStart + t.begin() + done);
            done += len;
        }
        return array;
    }

    @Override
    public void close() throws SafeTensorsException {
        try {
            channel.close();
        } catch (IOException e) {
            throw new SafeTensorsException(file, null, "close failed: " + e, e);
        }
    }

    @Override
    public String toString() {
        return "SafeTensors[" + file + ", " + tensors.size() + " tensors]";
    }

    private TensorInfo require(String name, SafeTensorsDtype expected) throws SafeTensorsException {
        TensorInfo t = info(name);
        if (t.dtype() != expected) {
            throw new SafeTensorsException(file, name, "dtype is " + t.dtype() + ", not " + expected);
        }
        return t;
    }

    private int arrayLength(TensorInfo t, long length) throws SafeTensorsException {
        if (length > MAX_ARRAY_LENGTH) {
            throw new SafeTensorsException(file, t.name(), length
                    + " elements do not fit in a Java array; use readArray");
        }
        return (int) length;
    }

    @FunctionalInterface
    private interface ChunkSink {
        /** {@code buf} holds {@code count} little-endian elements that start at element {@code first}. */
        void accept(ByteBuffer buf, int first, int count);
    }

    private void readChunks(TensorInfo t, ChunkSink sink) throws SafeTensorsException {
        int elementSize = t.dtype().byteSize();
        long total = t.byteLength();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, total)).order(ByteOrder.LITTLE_ENDIAN);
        long done = 0;
        while (done < total) {
            int len = (int) Math.min(buf.capacity(), total - done);
            buf.clear().limit(len);
            readFully(file, channel, t.name(), buf, dataStart + t.begin() + done);
            buf.flip();
            sink.accept(buf, (int) (done / elementSize), len / elementSize);
            done += len;
        }
    }

    private static void readFully(Path file, FileChannel channel, String tensor, ByteBuffer dst, long position)
            throws SafeTensorsException {
        try {
            long pos = position;
            while (dst.hasRemaining()) {
                int n = channel.read(dst, pos);
                if (n < 0) {
                    throw new SafeTensorsException(file, tensor, "unexpected end of file at byte " + pos
                            + " (was the file truncated after it was opened?)");
                }
                pos += n;
            }
        } catch (SafeTensorsException e) {
            throw e;
        } catch (IOException e) {
            throw new SafeTensorsException(file, tensor, "read failed: " + e, e);
        }
    }

    private static void closeQuietly(FileChannel channel, Exception primary) {
        try {
            channel.close();
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }

    /** Raw copies between the file and ND4J memory assume little-endian memory, as on every ND4J platform. */
    private static void requireLittleEndianPlatform(Path file, String tensor) throws SafeTensorsException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new SafeTensorsException(file, tensor, "big-endian platforms are not supported");
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Writing

    /**
     * Writes {@code tensors} and {@code metadata} (may be null or empty: no {@code __metadata__}) to
     * {@code file}, replacing it atomically. Same input, same bytes: tensors and metadata are written
     * in name order whatever the maps' iteration order. Views and non-C-order arrays are copied to C
     * order first.
     *
     * @throws IllegalArgumentException for a null or {@code __metadata__} tensor name, a null array or
     *     metadata entry, or an array type safetensors cannot hold (UTF8, COMPRESSED)
     * @throws SafeTensorsException if writing or renaming fails; the target is then left untouched
     */
    public static void write(Path file, Map<String, ? extends INDArray> tensors, Map<String, String> metadata)
            throws SafeTensorsException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(tensors, "tensors");
        requireLittleEndianPlatform(file, null);

        // Validate everything before touching the disk.
        Map<String, INDArray> sorted = new TreeMap<>();
        for (Map.Entry<String, ? extends INDArray> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("invalid tensor name: " + name);
            }
            INDArray array = e.getValue();
            if (array == null) {
                throw new IllegalArgumentException("tensor '" + name + "' is null");
            }
            SafeTensorsDtype.fromNd4j(array.dataType()).orElseThrow(() -> new IllegalArgumentException(
                    "tensor '" + name + "' has type " + array.dataType() + ", which safetensors cannot hold"));
            long numel = 1;
            for (long d : array.shape()) {
                numel = Math.multiplyExact(numel, d);
            }
            if (numel != (array.isEmpty() ? 0 : array.length())) {
                throw new IllegalArgumentException("tensor '" + name + "' of shape " + Arrays.toString(array.shape())
                        + " holds " + array.length() + " elements; safetensors cannot represent that");
            }
            sorted.put(name, array);
        }
        Map<String, String> sortedMetadata = new TreeMap<>();
        if (metadata != null) {
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new IllegalArgumentException("null metadata key or value: " + e.getKey());
                }
                sortedMetadata.put(e.getKey(), e.getValue());
            }
        }

        Map<String, INDArray> contiguous = new TreeMap<>();
        ObjectNode header = JSON.createObjectNode();
        if (!sortedMetadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            sortedMetadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, INDArray> e : sorted.entrySet()) {
            INDArray array = cOrderContiguous(e.getValue());
            contiguous.put(e.getKey(), array);
            SafeTensorsDtype dtype = SafeTensorsDtype.fromNd4j(array.dataType()).orElseThrow();
            long bytes = (array.isEmpty() ? 0 : array.length()) * dtype.byteSize();
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", dtype.name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : array.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }

        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new SafeTensorsException(file, null, "cannot encode header: " + e.getOriginalMessage(), e);
        }
        // Pad with spaces (valid JSON whitespace) so that the data section starts 8-byte aligned.
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();

        writeAtomically(file, head, contiguous);
    }

    private static INDArray cOrderContiguous(INDArray array) {
        if (array.isEmpty()) {
            return array;
        }
        boolean plain = !array.isView() && array.ordering() == 'c' && Shape.hasDefaultStridesForShape(array)
                && array.data().length() == array.length();
        return plain ? array : array.dup('c');
    }

    private static void writeAtomically(Path file, ByteBuffer head, Map<String, INDArray> tensors)
            throws SafeTensorsException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp = null;
        try {
            FileChannel out = null;
            // Own temp name rather than createTempFile: that one is mode 0600, and the result should
            // get the usual permissions of a new file in this directory.
            while (out == null) {
                tmp = dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(
                        ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
                try {
                    out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (FileAlreadyExistsException e) {
                    out = null;
                }
            }
            try (FileChannel ch = out) {
                writeFully(ch, head);
                for (INDArray array : tensors.values()) {
                    writeData(ch, array);
                }
                // Data must be on disk before the rename makes the file visible, or a crash could
                // leave a complete-looking but empty file.
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            throw new SafeTensorsException(file, null, "write failed: " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // Best effort: the write already failed and that error is the one to report.
                }
            }
        }
    }

    private static void writeData(FileChannel ch, INDArray array) throws IOException {
        if (array.isEmpty()) {
            return;
        }
        long total = array.length() * array.data().getElementSize();
        BytePointer source = new BytePointer(array.data().addressPointer());
        long done = 0;
        while (done < total) {
            int len = (int) Math.min(CHUNK_BYTES, total - done);
            writeFully(ch, source.getPointer(done).capacity(len).limit(len).asByteBuffer());
            done += len;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
