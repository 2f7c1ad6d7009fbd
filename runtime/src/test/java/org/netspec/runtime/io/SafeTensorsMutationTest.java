package org.netspec.runtime.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeded random corruption of a small valid file. Whatever the damage, the reader may accept the
 * file (then every tensor must read) or reject it, but only ever with a SafeTensorsException.
 */
class SafeTensorsMutationTest {

    private static final long SEED = 0x5AFE_7E45_0001L;
    private static final int MUTATIONS = 2_000;
    private static final byte[] JSON_BYTES = "0123456789-+.eE[]{}\",: \\u\u0000".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    @TempDir
    Path dir;

    @Test
    void randomCorruptionOnlyEverRaisesSafeTensorsException() throws Exception {
        Path original = dir.resolve("valid.safetensors");
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("conv.weight", Nd4j.linspace(DataType.FLOAT, -1, 0.25, 24).reshape(2, 3, 2, 2));
        tensors.put("bn.num_batches_tracked", Nd4j.scalar(DataType.INT64, 3L));
        tensors.put("bn.running_var", Nd4j.createFromArray(1.0, 2.0));
        tensors.put("empty", Nd4j.create(DataType.FLOAT, 0, 3));
        tensors.put("ids", Nd4j.createFromArray(4, 5, 6));
        tensors.put("mask", Nd4j.createFromArray(true, false));
        SafeTensors.write(original, tensors, Map.of("format", "pt"));
        byte[] valid = Files.readAllBytes(original);
        int headerEnd = 8 + (int) ByteBuffer.wrap(valid, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();

        Random random = new Random(SEED);
        Path mutant = dir.resolve("mutant.safetensors");
        List<String> failures = new ArrayList<>();
        int accepted = 0;
        int rejected = 0;
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] bytes = mutate(valid, headerEnd, random);
            Files.write(mutant, bytes);
            try {
                readEverything(mutant);
                accepted++;
            } catch (SafeTensorsException e) {
                assertThat(e).hasMessageContaining(mutant.toString());
                rejected++;
            } catch (Throwable t) {
                StringWriter trace = new StringWriter();
                t.printStackTrace(new PrintWriter(trace));
                failures.add("mutation " + i + " " + Arrays.toString(Arrays.copyOf(bytes, Math.min(bytes.length, 400)))
                        + "\n" + trace);
            }
        }
        assertThat(failures).as("non-SafeTensorsException failures").isEmpty();
        // Both outcomes must be common, or the mutations are not exercising the validator.
        assertThat(rejected).isGreaterThan(MUTATIONS / 4);
        assertThat(accepted).isGreaterThan(MUTATIONS / 20);
    }

    private static void readEverything(Path file) throws SafeTensorsException {
        try (SafeTensors st = SafeTensors.open(file)) {
            st.metadata().forEach((k, v) -> { });
            for (TensorInfo t : st.tensors().values()) {
                byte[] raw = st.readBytes(t.name());
                assertThat((long) raw.length).isEqualTo(t.byteLength());
                switch (t.dtype()) {
                    case F32 -> assertThat((long) st.readFloats(t.name()).length).isEqualTo(t.numel());
                    case F64 -> assertThat((long) st.readDoubles(t.name()).length).isEqualTo(t.numel());
                    case I64 -> assertThat((long) st.readLongs(t.name()).length).isEqualTo(t.numel());
                    case I32 -> assertThat((long) st.readInts(t.name()).length).isEqualTo(t.numel());
                    default -> { }
                }
                if (t.dtype().nd4jType().isPresent()) {
                    try {
                        INDArray a = st.readArray(t.name());
                        assertThat(a.shape()).containsExactly(t.shape());
                    } catch (SafeTensorsException e) {
                        // Rank above ND4J's limit is a legitimate refusal; anything else is not.
                        assertThat(e).hasMessageContaining("exceeds ND4J's maximum");
                    }
                }
            }
        }
    }

    private static byte[] mutate(byte[] valid, int headerEnd, Random random) {
        byte[] b = valid.clone();
        switch (random.nextInt(6)) {
            case 0 -> { // random bytes anywhere
                int n = 1 + random.nextInt(3);
                for (int k = 0; k < n; k++) {
                    b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                }
            }
            case 1 -> { // single bit flip in prefix or header
                int at = random.nextInt(headerEnd);
                b[at] ^= (byte) (1 << random.nextInt(8));
            }
            case 2 -> { // truncation
                b = Arrays.copyOf(b, random.nextInt(b.length));
            }
            case 3 -> { // JSON-significant character in the header
                b[8 + random.nextInt(headerEnd - 8)] = JSON_BYTES[random.nextInt(JSON_BYTES.length)];
            }
            case 4 -> { // header length field: near the truth, or anything at all
                long len = random.nextBoolean() ? headerEnd - 8 + random.nextInt(33) - 16 : random.nextLong();
                ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(len);
            }
            default -> { // insert or delete a header byte, shifting everything after it
                int at = 8 + random.nextInt(headerEnd - 8);
                if (random.nextBoolean()) {
                    byte[] longer = new byte[b.length + 1];
                    System.arraycopy(b, 0, longer, 0, at);
                    longer[at] = JSON_BYTES[random.nextInt(JSON_BYTES.length)];
                    System.arraycopy(b, at, longer, at + 1, b.length - at);
                    b = longer;
                } else {
                    byte[] shorter = new byte[b.length - 1];
                    System.arraycopy(b, 0, shorter, 0, at);
                    System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
                    b = shorter;
                }
            }
        }
        return b;
    }
}
