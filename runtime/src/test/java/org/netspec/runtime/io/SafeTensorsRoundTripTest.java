package org.netspec.runtime.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SafeTensorsRoundTripTest {

    @TempDir
    Path dir;

    static Map<String, INDArray> sample() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("w.f32", Nd4j.createFromArray(new float[][] {{1.5f, -2f, 3f}, {4f, Float.MIN_VALUE, -0f}}));
        m.put("w.f64", Nd4j.createFromArray(Math.PI, -1e300, 0.0));
        m.put("count", Nd4j.scalar(DataType.INT64, 7L));
        m.put("big.i64", Nd4j.createFromArray(Long.MIN_VALUE, Long.MAX_VALUE));
        m.put("i32", Nd4j.createFromArray(new int[][] {{1, -2}, {Integer.MAX_VALUE, 0}}));
        m.put("f16", Nd4j.createFromArray(0.5f, -1f, 2f).castTo(DataType.FLOAT16));
        m.put("bf16", Nd4j.createFromArray(0.5f, -1f).castTo(DataType.BFLOAT16));
        m.put("mask", Nd4j.createFromArray(true, false, true));
        m.put("u8", Nd4j.createFromArray(0, 1, 200, 255).castTo(DataType.UINT8));
        m.put("i8", Nd4j.createFromArray(new byte[] {-128, 127}));
        m.put("i16", Nd4j.createFromArray(new short[] {-3, 300}));
        m.put("empty", Nd4j.create(DataType.FLOAT, 2, 0, 3));
        // Views and F order must come out as their logical C-order values.
        m.put("transposed", Nd4j.arange(12).castTo(DataType.FLOAT).reshape(3, 4).transpose());
        m.put("row", Nd4j.arange(12).castTo(DataType.DOUBLE).reshape(3, 4).getRow(1));
        m.put("f.order", Nd4j.arange(6).castTo(DataType.FLOAT).reshape('c', 2, 3).dup('f'));
        return m;
    }

    @Test
    void roundTripsEveryDtypeShapeAndMetadata() throws Exception {
        Path file = dir.resolve("model.safetensors");
        Map<String, INDArray> tensors = sample();
        Map<String, String> metadata = Map.of("format", "pt", "note", "ünïcødé \"quoted\"\n");
        SafeTensors.write(file, tensors, metadata);

        try (SafeTensors st = SafeTensors.open(file)) {
            assertThat(st.metadata()).isEqualTo(metadata);
            assertThat(st.names()).containsExactlyInAnyOrderElementsOf(tensors.keySet());
            for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
                INDArray expected = e.getValue();
                INDArray actual = st.readArray(e.getKey());
                assertThat(actual.dataType()).as(e.getKey()).isEqualTo(expected.dataType());
                assertThat(actual.shape()).as(e.getKey()).containsExactly(expected.shape());
                assertThat(actual.ordering()).isEqualTo('c');
                if (!expected.isEmpty()) {
                    // Bit-exact: compare the C-order bytes, not values with a tolerance.
                    assertThat(actual.data().asBytes()).as(e.getKey()).isEqualTo(expected.dup('c').data().asBytes());
                }
            }
            assertThat(st.readFloats("w.f32")).containsExactly(1.5f, -2f, 3f, 4f, Float.MIN_VALUE, -0f);
            assertThat(st.readDoubles("w.f64")).containsExactly(Math.PI, -1e300, 0.0);
            assertThat(st.readLongs("count")).containsExactly(7L);
            assertThat(st.readArray("count").rank()).isZero();
            assertThat(st.readLongs("big.i64")).containsExactly(Long.MIN_VALUE, Long.MAX_VALUE);
            assertThat(st.readInts("i32")).containsExactly(1, -2, Integer.MAX_VALUE, 0);
            assertThat(st.readFloats("transposed")).containsExactly(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
            assertThat(st.readDoubles("row")).containsExactly(4, 5, 6, 7);
            assertThat(st.readFloats("f.order")).containsExactly(0, 1, 2, 3, 4, 5);
            assertThat(st.readBytes("u8")).containsExactly(0, 1, 200, 255);
            assertThat(st.readBytes("mask")).containsExactly(1, 0, 1);
            assertThat(st.info("empty").shape()).containsExactly(2, 0, 3);
            assertThat(st.readFloats("empty")).isEmpty();
            assertThat(st.readArray("empty").isEmpty()).isTrue();
        }
    }

    @Test
    void bytesAreDeterministicWhateverTheMapOrder() throws Exception {
        Map<String, INDArray> forward = sample();
        List<String> names = new ArrayList<>(forward.keySet());
        Collections.reverse(names);
        Map<String, INDArray> backward = new LinkedHashMap<>();
        names.forEach(n -> backward.put(n, forward.get(n)));
        Map<String, String> meta1 = new LinkedHashMap<>();
        meta1.put("b", "2");
        meta1.put("a", "1");
        Map<String, String> meta2 = new HashMap<>(Map.of("a", "1", "b", "2"));

        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        SafeTensors.write(a, forward, meta1);
        SafeTensors.write(b, backward, meta2);
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
    }

    @Test
    void writesTheDocumentedLayoutByteForByte() throws Exception {
        Path file = dir.resolve("tiny.safetensors");
        SafeTensors.write(file, Map.of("a", Nd4j.createFromArray(1f, 2f)), null);

        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        int padded = (json.length() + 7) / 8 * 8;
        ByteBuffer expected = ByteBuffer.allocate(8 + padded + 8).order(ByteOrder.LITTLE_ENDIAN);
        expected.putLong(padded).put(json.getBytes(StandardCharsets.UTF_8));
        while (expected.position() < 8 + padded) {
            expected.put((byte) ' ');
        }
        expected.putFloat(1f).putFloat(2f);
        assertThat(Files.readAllBytes(file)).isEqualTo(expected.array());
    }

    @Test
    void headerIsPaddedToEightBytesAndMetadataComesFirst() throws Exception {
        for (int extra = 0; extra < 9; extra++) {
            Path file = dir.resolve("pad" + extra + ".safetensors");
            SafeTensors.write(file, Map.of("x", Nd4j.createFromArray(1.0)), Map.of("k", "v".repeat(extra)));
            byte[] bytes = Files.readAllBytes(file);
            long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertThat((8 + n) % 8).isZero();
            String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            assertThat(header).startsWith("{\"__metadata__\":{\"k\":");
            assertThat(header.strip()).endsWith("}");
            assertThat(header.substring(header.strip().length())).matches(" *");
        }
    }

    @Test
    void replacesAnExistingFileAndLeavesNoTemporaryFiles() throws Exception {
        Path file = dir.resolve("m.safetensors");
        SafeTensors.write(file, Map.of("a", Nd4j.createFromArray(1f)), null);
        SafeTensors.write(file, Map.of("b", Nd4j.createFromArray(2f, 3f)), null);
        try (SafeTensors st = SafeTensors.open(file)) {
            assertThat(st.names()).containsExactly("b");
            assertThat(st.metadata()).isEmpty();
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("m.safetensors");
        }
    }

    @Test
    void rejectedWritesLeaveTheTargetUntouched() throws Exception {
        Path file = dir.resolve("keep.safetensors");
        SafeTensors.write(file, Map.of("a", Nd4j.createFromArray(1f)), null);
        byte[] before = Files.readAllBytes(file);

        assertThatThrownBy(() -> SafeTensors.write(file, Map.of("__metadata__", Nd4j.createFromArray(1f)), null))
                .isInstanceOf(IllegalArgumentException.class);
        Map<String, INDArray> withNull = new HashMap<>();
        withNull.put("a", null);
        assertThatThrownBy(() -> SafeTensors.write(file, withNull, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a'");
        assertThatThrownBy(() -> SafeTensors.write(file, Map.of("s", Nd4j.create(List.of("x", "y"), 2)), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UTF8");

        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.count()).isEqualTo(1);
        }
    }

    @Test
    void ioFailureOnWriteIsASafeTensorsExceptionNamingTheFile() {
        Path file = dir.resolve("no-such-dir").resolve("x.safetensors");
        assertThatThrownBy(() -> SafeTensors.write(file, Map.of("a", Nd4j.createFromArray(1f)), null))
                .isInstanceOf(SafeTensorsException.class).hasMessageContaining(file.getFileName().toString());
    }

    @Test
    void readingAfterCloseFailsCleanly() throws Exception {
        Path file = dir.resolve("c.safetensors");
        SafeTensors.write(file, Map.of("a", Nd4j.createFromArray(1f)), null);
        SafeTensors st = SafeTensors.open(file);
        st.close();
        assertThatThrownBy(() -> st.readFloats("a"))
                .isInstanceOf(SafeTensorsException.class).hasMessageContaining("'a'");
    }

    @Test
    void largeTensorCrossesSeveralIoChunks() throws Exception {
        // 3 MiB + 12 bytes: several 1 MiB chunks plus a ragged tail, through every read path.
        int n = 3 * (1 << 18) + 3;
        INDArray big = Nd4j.linspace(DataType.FLOAT, 0, 1, n);
        Path file = dir.resolve("big.safetensors");
        SafeTensors.write(file, Map.of("pad", Nd4j.createFromArray((byte) 1), "big", big), null);
        try (SafeTensors st = SafeTensors.open(file)) {
            float[] values = st.readFloats("big");
            assertThat(values).isEqualTo(big.data().asFloat());
            assertThat(st.readArray("big")).isEqualTo(big);
        }
    }
}
