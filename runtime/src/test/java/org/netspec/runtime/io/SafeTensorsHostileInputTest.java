package org.netspec.runtime.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.factory.Nd4j;

/** Malformed and malicious files: each must fail with a SafeTensorsException that says where. */
class SafeTensorsHostileInputTest {

    @TempDir
    Path dir;

    /** A table row: file bytes, the tensor the message must name (null: none), and a message fragment. */
    record Case(String label, byte[] bytes, String tensor, String fragment) {
        @Override
        public String toString() {
            return label;
        }
    }

    static byte[] lengthPrefixed(long declaredLength, byte[] header, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header);
        return b.array();
    }

    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return lengthPrefixed(h.length, h, dataBytes);
    }

    static String entry(String dtype, String shape, String offsets) {
        return "{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    /** A one-tensor header for tensor "w" over an 8-byte data section. */
    static Case tensorCase(String label, String entryJson, String fragment) {
        return new Case(label, file("{\"w\":" + entryJson + "}", 8), "w", fragment);
    }

    static Stream<Case> cases() {
        String ok = entry("\"F32\"", "[2]", "[0,8]");
        return Stream.of(
                new Case("empty file", new byte[0], null, "fewer than the 8-byte"),
                new Case("truncated length prefix", new byte[] {10, 0, 0, 0, 0}, null, "fewer than the 8-byte"),
                new Case("header length huge (2^40)", lengthPrefixed(1L << 40, "{}".getBytes(StandardCharsets.UTF_8), 0),
                        null, "exceeds the limit"),
                new Case("header length 2^64-1 (negative as signed)", lengthPrefixed(-1L, new byte[16], 0), null,
                        "18446744073709551615"),
                new Case("header length just over 100 MB", lengthPrefixed(100_000_001L, new byte[16], 0), null,
                        "exceeds the limit"),
                new Case("header length beyond end of file", lengthPrefixed(100, "{}".getBytes(StandardCharsets.UTF_8), 0),
                        null, "truncated file"),
                new Case("header length zero", lengthPrefixed(0, new byte[0], 8), null, "too small"),
                new Case("non-JSON header", file("hello, world", 0), null, "not valid JSON"),
                new Case("invalid UTF-8 header", lengthPrefixed(4, new byte[] {'{', (byte) 0xC3, 0x28, '}'}, 0), null,
                        "not valid UTF-8"),
                new Case("JSON array header", file("[1,2]", 0), null, "must be a JSON object"),
                new Case("JSON string header", file("\"{}\"", 0), null, "must be a JSON object"),
                new Case("JSON null header", file("null", 0), null, "must be a JSON object"),
                new Case("whitespace-only header", file("        ", 0), null, "must be a JSON object"),
                new Case("trailing garbage after header object", file("{} {}", 0), null, "not valid JSON"),
                new Case("duplicate tensor name", file("{\"w\":" + ok + ",\"w\":" + ok + "}", 8), null,
                        "Duplicate field 'w'"),
                new Case("deeply nested metadata", file("{\"__metadata__\":" + "[".repeat(5000) + "]".repeat(5000) + "}", 0),
                        null, "not valid JSON"),
                tensorCase("tensor entry not an object", "[1,2]", "must be a JSON object"),
                tensorCase("missing dtype", "{\"shape\":[2],\"data_offsets\":[0,8]}", "dtype must be a string"),
                tensorCase("dtype not a string", entry("4", "[2]", "[0,8]"), "dtype must be a string"),
                tensorCase("unknown dtype", entry("\"F33\"", "[2]", "[0,8]"), "unknown dtype 'F33'"),
                tensorCase("lower-case dtype", entry("\"f32\"", "[2]", "[0,8]"), "unknown dtype 'f32'"),
                tensorCase("missing shape", "{\"dtype\":\"F32\",\"data_offsets\":[0,8]}", "shape must be a JSON array"),
                tensorCase("shape not an array", entry("\"F32\"", "2", "[0,8]"), "shape must be a JSON array"),
                tensorCase("fractional dimension", entry("\"F32\"", "[2.0]", "[0,8]"), "shape[0] must be an integer"),
                tensorCase("string dimension", entry("\"F32\"", "[\"2\"]", "[0,8]"), "shape[0] must be an integer"),
                tensorCase("null dimension", entry("\"F32\"", "[null]", "[0,8]"), "shape[0] must be an integer"),
                tensorCase("negative dimension", entry("\"F32\"", "[-2,-1]", "[0,8]"), "shape[0] is negative"),
                tensorCase("dimension beyond 64 bits", entry("\"F32\"", "[100000000000000000000]", "[0,8]"),
                        "fits in 64 bits"),
                tensorCase("shape product overflow", entry("\"F32\"", "[4294967296,4294967296]", "[0,8]"), "overflows"),
                tensorCase("byte size overflow", entry("\"F64\"", "[2305843009213693952]", "[0,8]"), "overflows"),
                tensorCase("empty tensor with unrepresentable shape", entry("\"F32\"", "[0,4294967296,4294967296]", "[0,0]"),
                        "overflows"),
                tensorCase("missing data_offsets", "{\"dtype\":\"F32\",\"shape\":[2]}", "data_offsets must be a JSON array"),
                tensorCase("one data offset", entry("\"F32\"", "[2]", "[8]"), "must have 2 elements"),
                tensorCase("three data offsets", entry("\"F32\"", "[2]", "[0,8,8]"), "must have 2 elements"),
                tensorCase("negative offset", entry("\"F32\"", "[0]", "[-8,-8]"), "is negative"),
                tensorCase("begin after end", entry("\"F32\"", "[2]", "[8,0]"), "begin > end"),
                tensorCase("offsets past the data section", entry("\"F32\"", "[4]", "[0,16]"), "extend past"),
                tensorCase("offset beyond 64 bits", entry("\"F32\"", "[2]", "[0,18446744073709551616]"), "fits in 64 bits"),
                tensorCase("shape and byte length disagree", entry("\"F32\"", "[3]", "[0,8]"), "needs 12 bytes"),
                tensorCase("scalar with no bytes", entry("\"I64\"", "[]", "[0,0]"), "needs 8 bytes"),
                new Case("overlapping tensors",
                        file("{\"a\":" + entry("\"F32\"", "[2]", "[0,8]") + ",\"b\":" + entry("\"F32\"", "[2]", "[4,12]") + "}",
                                12),
                        "b", "overlap those of tensor 'a'"),
                new Case("two tensors sharing bytes",
                        file("{\"a\":" + ok + ",\"b\":" + ok + "}", 8), "b", "overlap those of tensor 'a'"),
                new Case("tensor nested inside another",
                        file("{\"a\":" + entry("\"U8\"", "[8]", "[0,8]") + ",\"b\":" + entry("\"U8\"", "[2]", "[6,8]")
                                + ",\"c\":" + entry("\"U8\"", "[2]", "[2,4]") + "}", 8),
                        "c", "overlap"),
                new Case("metadata not an object", file("{\"__metadata__\":[\"a\"]}", 0), null,
                        "__metadata__ must be a JSON object"),
                new Case("metadata value a number", file("{\"__metadata__\":{\"epoch\":3}}", 0), null, "'epoch' must be a string"),
                new Case("metadata value null", file("{\"__metadata__\":{\"k\":null}}", 0), null, "'k' must be a string"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejectsWithAnExceptionNamingFileAndTensor(Case c) throws Exception {
        Path file = dir.resolve("hostile.safetensors");
        Files.write(file, c.bytes());

        Throwable thrown = catchThrowable(() -> SafeTensors.open(file).close());

        assertThat(thrown).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(c.fragment());
        SafeTensorsException e = (SafeTensorsException) thrown;
        assertThat(e.file()).isEqualTo(file);
        if (c.tensor() != null) {
            assertThat(e.tensor()).contains(c.tensor());
            assertThat(e).hasMessageContaining("tensor '" + c.tensor() + "'");
        } else {
            assertThat(e.tensor()).isEmpty();
        }
    }

    @Test
    void acceptsTheEdgeCasesThatAreValid() throws Exception {
        // Empty header object, empty tensors anywhere, scalars, holes, trailing bytes and padding.
        String header = "{\"__metadata__\":{},\"e\":" + entry("\"F32\"", "[0,5]", "[4,4]") + ",\"s\":"
                + entry("\"I64\"", "[]", "[8,16]") + ",\"z\":" + entry("\"F8_E4M3\"", "[2]", "[0,2]") + "}    ";
        Path file = dir.resolve("edge.safetensors");
        Files.write(file, file(header, 20));
        try (SafeTensors st = SafeTensors.open(file)) {
            assertThat(st.names()).containsExactly("e", "s", "z");
            assertThat(st.metadata()).isEmpty();
            assertThat(st.readLongs("s")).containsExactly(0L);
            assertThat(st.readArray("e").shape()).containsExactly(0, 5);
            assertThat(st.readBytes("z")).hasSize(2);
        }
        // Huge dimensions are fine when another one is 0: nothing is allocated.
        Files.write(file, file("{\"h\":" + entry("\"F32\"", "[1073741824,0,1073741824]", "[0,0]") + "}", 0));
        try (SafeTensors st = SafeTensors.open(file)) {
            assertThat(st.readArray("h").shape()).containsExactly(1073741824, 0, 1073741824);
            assertThat(st.readFloats("h")).isEmpty();
        }
        Files.write(file, file("{}", 0));
        try (SafeTensors st = SafeTensors.open(file)) {
            assertThat(st.names()).isEmpty();
        }
    }

    @Test
    void readingErrorsNameTheTensor() throws Exception {
        Path file = dir.resolve("ok.safetensors");
        String header = "{\"f\":" + entry("\"F32\"", "[2]", "[0,8]") + ",\"z\":" + entry("\"F8_E5M2\"", "[8]", "[8,16]") + "}";
        Files.write(file, file(header, 16));
        try (SafeTensors st = SafeTensors.open(file)) {
            assertThat(catchThrowable(() -> st.readFloats("missing")))
                    .isInstanceOf(SafeTensorsException.class).hasMessageContaining("tensor 'missing'")
                    .hasMessageContaining("no such tensor");
            assertThat(catchThrowable(() -> st.readLongs("f")))
                    .isInstanceOf(SafeTensorsException.class).hasMessageContaining("tensor 'f'")
                    .hasMessageContaining("dtype is F32, not I64");
            assertThat(catchThrowable(() -> st.readArray("z")))
                    .isInstanceOf(SafeTensorsException.class).hasMessageContaining("tensor 'z'")
                    .hasMessageContaining("no ND4J counterpart");
        }
    }

    @Test
    void fileTruncatedAfterOpenFailsOnRead() throws Exception {
        Path file = dir.resolve("shrinking.safetensors");
        SafeTensors.write(file, Map.of("a", Nd4j.createFromArray(1f, 2f, 3f, 4f)), null);
        try (SafeTensors st = SafeTensors.open(file)) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(Files.size(file) - 4);
            }
            assertThat(catchThrowable(() -> st.readFloats("a")))
                    .isInstanceOf(SafeTensorsException.class).hasMessageContaining("tensor 'a'")
                    .hasMessageContaining("unexpected end of file");
            assertThat(catchThrowable(() -> st.readArray("a"))).isInstanceOf(SafeTensorsException.class);
        }
    }

    @Test
    void missingFileAndDirectoryFailCleanly() {
        Path missing = dir.resolve("nope.safetensors");
        assertThat(catchThrowable(() -> SafeTensors.open(missing)))
                .isInstanceOf(SafeTensorsException.class).hasMessageContaining(missing.toString());
        assertThat(catchThrowable(() -> SafeTensors.open(dir)))
                .isInstanceOf(SafeTensorsException.class).hasMessageContaining(dir.toString());
    }

    @Test
    void hostileTensorNamesAreSanitisedInMessages() throws Exception {
        Path file = dir.resolve("names.safetensors");
        String name = "evil\\n\\u001b[31m" + "x".repeat(1000);
        Files.write(file, file("{\"" + name + "\":" + entry("\"F32\"", "[3]", "[0,8]") + "}", 8));
        Throwable thrown = catchThrowable(() -> SafeTensors.open(file));
        assertThat(thrown).isInstanceOf(SafeTensorsException.class);
        assertThat(thrown.getMessage()).doesNotContain("\n", "\u001b").hasSizeLessThan(600).contains("evil\\u000a");
        assertThat(((SafeTensorsException) thrown).tensor()).hasValueSatisfying(t -> assertThat(t).startsWith("evil\n"));
    }
}
