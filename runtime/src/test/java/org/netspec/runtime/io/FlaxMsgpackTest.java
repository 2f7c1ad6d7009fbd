package org.netspec.runtime.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The Flax msgpack reader and writer: round trips, Flax's layouts, and hostile files. */
class FlaxMsgpackTest {

    @Test
    void roundTripsNestedArraysInFlaxForm(@TempDir Path dir) throws IOException {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        arrays.put("params.conv_init.kernel", Nd4j.rand(DataType.FLOAT, 7, 7, 3, 4));
        arrays.put("params.Dense_0.bias", Nd4j.rand(DataType.FLOAT, 10));
        arrays.put("batch_stats.bn_init.var", Nd4j.rand(DataType.FLOAT, 4));
        Path file = dir.resolve("v.msgpack");
        FlaxMsgpack.write(file, arrays);
        assertThat(FlaxMsgpack.looksLikeMsgpack(file)).isTrue();
        FlaxMsgpack.Checkpoint back = FlaxMsgpack.read(file);
        assertThat(back.names()).containsExactlyInAnyOrderElementsOf(arrays.keySet());
        arrays.forEach((name, a) -> assertThat(back.read(name)).as(name).isEqualTo(a));
        assertThat(dir.toFile().list()).containsExactly("v.msgpack");
    }

    @Test
    void flaxLayoutsBecomeNetSpecsAndBack() throws IOException {
        INDArray hwio = Nd4j.rand(DataType.FLOAT, 3, 3, 2, 5);
        INDArray dense = Nd4j.rand(DataType.FLOAT, 6, 4);
        Map<String, INDArray> flax = new LinkedHashMap<>();
        flax.put("params.c.kernel", hwio);
        flax.put("params.d.kernel", dense);
        flax.put("params.bn.scale", Nd4j.rand(DataType.FLOAT, 5));
        flax.put("batch_stats.bn.mean", Nd4j.rand(DataType.FLOAT, 5));
        TensorSource ours = FlaxLayout.toNetSpec(new FlaxMsgpack.Checkpoint(Path.of("x"), flax, java.util.List.of()));
        assertThat(ours.names()).containsExactly("c.weight", "d.weight", "bn.weight", "bn.running_mean");
        assertThat(ours.shape("c.weight")).containsExactly(5, 2, 3, 3);
        assertThat(ours.read("c.weight").getDouble(4, 1, 2, 0)).isEqualTo(hwio.getDouble(2, 0, 1, 4));
        assertThat(ours.shape("d.weight")).containsExactly(4, 6);
        Map<String, INDArray> netspec = new LinkedHashMap<>();
        for (String n : ours.names()) {
            netspec.put(n, ours.read(n));
        }
        netspec.put("bn.running_var", Nd4j.ones(DataType.FLOAT, 5));
        Map<String, INDArray> again = FlaxLayout.toFlax(netspec, java.util.Set.of("bn.running_mean", "bn.running_var"));
        assertThat(again.keySet()).containsExactly("params.c.kernel", "params.d.kernel", "params.bn.scale",
                "batch_stats.bn.mean", "batch_stats.bn.var");
        assertThat(again.get("params.c.kernel")).isEqualTo(hwio);
        assertThat(again.get("params.d.kernel")).isEqualTo(dense);
    }

    @Test
    void halfAndBfloat16Decode() {
        assertThat(FlaxMsgpack.halfToFloat((short) 0x3c00)).isEqualTo(1f);
        assertThat(FlaxMsgpack.halfToFloat((short) 0xc000)).isEqualTo(-2f);
        assertThat(FlaxMsgpack.halfToFloat((short) 0x0001)).isEqualTo((float) Math.pow(2, -24));
        assertThat(FlaxMsgpack.halfToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
    }

    // ------------------------------------------------------------------ hostile files

    private static byte[] packArray(int[] shape, String dtype, int bytes, int claimedBinary) throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(3);
            p.packArrayHeader(shape.length);
            for (int d : shape) {
                p.packLong(d);
            }
            p.packString(dtype);
            p.packBinaryHeader(claimedBinary);
            p.writePayload(new byte[bytes]);
            return p.toByteArray();
        }
    }

    private static Path file(Path dir, byte[] payload, byte extType) throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(1).packString("params").packMapHeader(1).packString("w");
            p.packExtensionTypeHeader(extType, payload.length).writePayload(payload);
            Path f = dir.resolve("h" + System.nanoTime() + ".msgpack");
            Files.write(f, p.toByteArray());
            return f;
        }
    }

    private static void refused(Path f, String message) {
        assertThatThrownBy(() -> FlaxMsgpack.read(f)).isInstanceOf(FlaxCheckpointException.class)
                .hasMessageStartingWith("Flax checkpoint " + f).hasMessageContaining(message);
    }

    @Test
    void hostileFilesGetTheReadersOwnErrors(@TempDir Path dir) throws IOException {
        Path empty = dir.resolve("empty.msgpack");
        Files.write(empty, new byte[0]);
        refused(empty, "not a msgpack map");
        Path scalar = dir.resolve("scalar.msgpack");
        Files.write(scalar, new byte[] {0x05});
        refused(scalar, "not a msgpack map");

        refused(file(dir, packArray(new int[] {2, 2}, "float32", 16, 16), (byte) 5), "extension type 5");
        refused(file(dir, packArray(new int[] {2}, "complex64", 16, 16), (byte) 1), "dtype 'complex64' is not supported");
        refused(file(dir, packArray(new int[] {3}, "float32", 8, 8), (byte) 1), "needs 12 bytes, the file holds 8");
        refused(file(dir, packArray(new int[] {-1, 4}, "float32", 0, 0), (byte) 1), "negative dimension");
        refused(file(dir, packArray(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, "float32", 4, 4), (byte) 1), "rank 9");
        // a shape of 10^18 elements in a few bytes: refused before anything is allocated
        refused(file(dir, packArray(new int[] {1_000_000_000, 1_000_000_000}, "float32", 0, 0), (byte) 1),
                "shape [1000000000, 1000000000] of float32 needs");
        // the binary header claims more than the file holds
        refused(file(dir, packArray(new int[] {1 << 20}, "float32", 0, 4 << 20), (byte) 1), "malformed array payload");

        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(Integer.MAX_VALUE);
            Path huge = dir.resolve("huge.msgpack");
            Files.write(huge, p.toByteArray());
            refused(huge, "map claims 2147483647 entries");
        }
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(1).packString("params").packMapHeader(1).packString("big");
            p.packMapHeader(1).packString("__msgpack_chunked_array__").packBoolean(true);
            Path chunked = dir.resolve("chunked.msgpack");
            Files.write(chunked, p.toByteArray());
            refused(chunked, "chunks");
        }
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            for (int i = 0; i < 100; i++) {
                p.packMapHeader(1).packString("k" + i);
            }
            p.packNil();
            Path deep = dir.resolve("deep.msgpack");
            Files.write(deep, p.toByteArray());
            refused(deep, "nested deeper than 64 levels");
        }
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(1).packInt(7).packNil();
            Path intKey = dir.resolve("intkey.msgpack");
            Files.write(intKey, p.toByteArray());
            refused(intKey, "map key of type INTEGER");
        }
    }

    /** 20,000 seeded mutants of a small valid checkpoint: a result or the reader's own error, nothing else. */
    @Test
    void mutantsGetOnlyTheReadersErrors(@TempDir Path dir) throws IOException {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        arrays.put("params.Conv_0.kernel", Nd4j.rand(DataType.FLOAT, 3, 3, 2, 2));
        arrays.put("params.BatchNorm_0.scale", Nd4j.rand(DataType.FLOAT, 2));
        arrays.put("batch_stats.BatchNorm_0.mean", Nd4j.rand(DataType.FLOAT, 2));
        Path valid = dir.resolve("valid.msgpack");
        FlaxMsgpack.write(valid, arrays);
        byte[] original = Files.readAllBytes(valid);
        SplittableRandom random = new SplittableRandom(20261201);
        Path mutant = dir.resolve("mutant.msgpack");
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] m = mutate(original, random);
            Files.write(mutant, m);
            try {
                FlaxMsgpack.read(mutant);
            } catch (FlaxCheckpointException e) {
                refused++;
            }
        }
        assertThat(refused).isGreaterThan(10_000);
    }

    private static byte[] mutate(byte[] in, SplittableRandom r) {
        byte[] out = in.clone();
        switch (r.nextInt(4)) {
            case 0 -> { // flip some bytes, mostly in the structure at the front
                for (int k = 1 + r.nextInt(3); k > 0; k--) {
                    int at = r.nextBoolean() ? r.nextInt(Math.min(64, out.length)) : r.nextInt(out.length);
                    out[at] = (byte) r.nextInt(256);
                }
            }
            case 1 -> out = java.util.Arrays.copyOf(out, r.nextInt(out.length)); // truncated
            case 2 -> { // a length field pushed to an extreme
                int at = r.nextInt(Math.min(96, out.length - 4));
                ByteBuffer.wrap(out, at, 4).order(ByteOrder.BIG_ENDIAN).putInt(r.nextBoolean() ? -1 : 0x7fffffff);
            }
            default -> { // bytes inserted
                int at = r.nextInt(out.length);
                byte[] extra = new byte[1 + r.nextInt(8)];
                r.nextBytes(extra);
                byte[] grown = new byte[out.length + extra.length];
                System.arraycopy(out, 0, grown, 0, at);
                System.arraycopy(extra, 0, grown, at, extra.length);
                System.arraycopy(out, at, grown, at + extra.length, out.length - at);
                out = grown;
            }
        }
        return out;
    }
}
