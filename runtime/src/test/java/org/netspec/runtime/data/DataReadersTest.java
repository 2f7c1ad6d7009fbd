package org.netspec.runtime.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Readers accept the real formats and reject broken files with the file and record named. */
class DataReadersTest {
    @TempDir
    Path dir;

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    private void idx(String name, int magic, int[] dims, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        Files.write(dir.resolve(name), gzip(b.array()));
    }

    @Test
    void readsTheEmbeddedFashionMnistSubset() throws Exception {
        Path subset = FashionMnist.embedded();
        Dataset train = FashionMnist.read(subset, "train");
        Dataset test = FashionMnist.read(subset, "t10k");
        assertThat(train.size()).isEqualTo(6000);
        assertThat(test.size()).isEqualTo(1000);
        assertThat(train.classes()).isEqualTo(10);
        Dataset.Batch batch = train.batch(new int[] {0, 1, 2}, Dataset.Augment.NONE, new SplittableRandom(1));
        assertThat(batch.images().shape()).containsExactly(3, 28, 28, 1);
        assertThat(batch.labels().toIntVector()).containsExactly(train.labels()[0], train.labels()[1], train.labels()[2]);
    }

    @Test
    void augmentationIsSeededAndShufflingIsAPermutation() throws Exception {
        Dataset train = FashionMnist.read(FashionMnist.embedded(), "train").limit(100);
        Dataset.Augment augment = new Dataset.Augment(2, true);
        INDArray a = train.batch(new int[] {5, 6}, augment, new SplittableRandom(9)).images();
        INDArray b = train.batch(new int[] {5, 6}, augment, new SplittableRandom(9)).images();
        INDArray plain = train.batch(new int[] {5, 6}, Dataset.Augment.NONE, new SplittableRandom(9)).images();
        assertThat(a).isEqualTo(b);
        assertThat(a).isNotEqualTo(plain);
        int[] order = train.shuffled(3, 1);
        assertThat(order).containsExactlyInAnyOrder(java.util.stream.IntStream.range(0, 100).toArray());
        assertThat(train.shuffled(3, 1)).isEqualTo(order);
        assertThat(train.shuffled(3, 2)).isNotEqualTo(order);
    }

    @Test
    void rejectsBrokenIdxFiles() throws Exception {
        idx("train-images-idx3-ubyte.gz", 0x803, new int[] {3, 28, 28}, new byte[2 * 784 + 10]);
        idx("train-labels-idx1-ubyte.gz", 0x801, new int[] {3}, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> FashionMnist.read(dir, "train")).isInstanceOf(DataException.class)
                .hasMessage(dir.resolve("train-images-idx3-ubyte.gz") + ": the header promises 2,352 bytes of data"
                        + " (3 images of 28x28) but the file holds 1,578 (uncompressed, from the gzip trailer)");

        idx("train-images-idx3-ubyte.gz", 0x1234, new int[] {3, 28, 28}, new byte[3 * 784]);
        assertThatThrownBy(() -> FashionMnist.read(dir, "train")).hasMessageContaining("not an unsigned-byte IDX file");

        idx("train-images-idx3-ubyte.gz", 0x803, new int[] {3, 28, 28}, new byte[3 * 784]);
        idx("train-labels-idx1-ubyte.gz", 0x801, new int[] {3}, new byte[] {1, 12, 3});
        assertThatThrownBy(() -> FashionMnist.read(dir, "train"))
                .hasMessage(dir.resolve("train-labels-idx1-ubyte.gz") + ": record 1 has label 12, not 0..9");

        idx("train-labels-idx1-ubyte.gz", 0x801, new int[] {2}, new byte[] {1, 2});
        assertThatThrownBy(() -> FashionMnist.read(dir, "train")).hasMessageContaining("holds 3 images but");

        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3});
        assertThatThrownBy(() -> FashionMnist.read(dir, "train")).isInstanceOf(DataException.class)
                .hasMessageStartingWith(dir.resolve("train-images-idx3-ubyte.gz").toString());
    }

    /** Silent garbage no more: a damaged byte or trailer, and headers that promise more than the file holds. */
    @Test
    void damagedGzipAndLyingHeadersAreRefusedBeforeAllocating() throws Exception {
        idx("train-images-idx3-ubyte.gz", 0x803, new int[] {3, 28, 28}, new byte[3 * 784]);
        idx("train-labels-idx1-ubyte.gz", 0x801, new int[] {3}, new byte[] {1, 2, 3});
        Path images = dir.resolve("train-images-idx3-ubyte.gz");
        byte[] good = Files.readAllBytes(images);
        assertThat(FashionMnist.read(dir, "train").size()).isEqualTo(3);

        byte[] crc = good.clone();
        crc[crc.length - 6] ^= 0x01; // the CRC-32 in the trailer
        Files.write(images, crc);
        assertThatThrownBy(() -> FashionMnist.read(dir, "train")).isInstanceOf(DataException.class)
                .hasMessageStartingWith(images + ": corrupt gzip data");

        byte[] body = good.clone();
        body[body.length / 2] ^= 0x40; // a byte of the compressed images
        Files.write(images, body);
        assertThatThrownBy(() -> FashionMnist.read(dir, "train")).isInstanceOf(DataException.class)
                .hasMessageStartingWith(images.toString());

        // 2.7 million images claimed by a 100-byte file: refused from its trailer, nothing allocated
        idx("train-images-idx3-ubyte.gz", 0x803, new int[] {2_700_000, 28, 28}, new byte[10]);
        assertThatThrownBy(() -> FashionMnist.read(dir, "train")).isInstanceOf(DataException.class)
                .hasMessageContaining("the header promises 2,116,800,000 bytes of data (2700000 images of 28x28)");

        // uncompressed files are checked against their size
        ByteBuffer raw = ByteBuffer.allocate(12).putInt(0x801).putInt(1_000_000).putInt(0);
        Path labels = dir.resolve("labels-idx1-ubyte");
        Files.write(labels, raw.array());
        assertThatThrownBy(() -> Idx.read(labels, 1)).hasMessage(labels
                + ": the header promises 1,000,000 bytes of data (1000000 labels) but the file holds 4");
        Files.write(labels, ByteBuffer.allocate(12).putInt(0x801).putInt(2).putInt(0x01020304).array());
        assertThatThrownBy(() -> Idx.read(labels, 1)).hasMessageContaining("holds 4");
    }

    @Test
    void readsCifarAndRejectsTruncatedRecords() throws Exception {
        byte[] records = new byte[2 * 3073];
        records[0] = 3;
        records[3073] = 7;
        records[3073 + 1] = (byte) 255;
        Files.write(dir.resolve("test_batch.bin"), records);
        Dataset test = Cifar10.read(dir, false);
        assertThat(test.labels()).containsExactly(3, 7);
        assertThat(test.pixels()[3072] & 0xff).isEqualTo(255);

        Files.write(dir.resolve("test_batch.bin"), java.util.Arrays.copyOf(records, 3073 + 100));
        assertThatThrownBy(() -> Cifar10.read(dir, false)).isInstanceOf(DataException.class)
                .hasMessage(dir.resolve("test_batch.bin") + ": 3173 bytes is not a whole number of 3073-byte records;"
                        + " record 1 is truncated");
        records[3073] = 10;
        Files.write(dir.resolve("test_batch.bin"), records);
        assertThatThrownBy(() -> Cifar10.read(dir, false)).hasMessageContaining("record 1 has label 10");
    }

    @Test
    void readsAFolderOfImages() throws Exception {
        for (String cls : new String[] {"cat", "dog"}) {
            Files.createDirectories(dir.resolve(cls));
            java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(40, 20,
                    java.awt.image.BufferedImage.TYPE_INT_RGB);
            image.setRGB(20, 10, cls.equals("cat") ? 0xff0000 : 0x00ff00);
            javax.imageio.ImageIO.write(image, "png", dir.resolve(cls).resolve("a.png").toFile());
        }
        Files.writeString(dir.resolve("dog").resolve("broken.jpg"), "not an image");
        assertThatThrownBy(() -> ImageFolder.read(dir, 16)).isInstanceOf(DataException.class)
                .hasMessage(dir.resolve("dog").resolve("broken.jpg") + ": not a readable JPEG or PNG image");
        Files.delete(dir.resolve("dog").resolve("broken.jpg"));
        Dataset data = ImageFolder.read(dir, 16);
        assertThat(data.size()).isEqualTo(2);
        assertThat(data.classes()).isEqualTo(2);
        assertThat(data.labels()).containsExactly(0, 1);
        assertThat(data.height()).isEqualTo(16);
    }

    /** Class folders that would shift labels or count as classes, and images too large to decode. */
    @Test
    void imageFoldersMustAgreeAndHoldImages(@org.junit.jupiter.api.io.TempDir Path test) throws Exception {
        readsAFolderOfImages();
        Files.createDirectories(test.resolve("cat"));
        Files.createDirectories(test.resolve("bird"));
        Files.copy(dir.resolve("cat").resolve("a.png"), test.resolve("cat").resolve("a.png"));
        Files.copy(dir.resolve("cat").resolve("a.png"), test.resolve("bird").resolve("a.png"));
        assertThatThrownBy(() -> ImageFolder.read(test, 16, java.util.List.of("cat", "dog")))
                .isInstanceOf(DataException.class).hasMessage(test + ": its class folders differ from the training"
                        + " side's, so labels would shift (missing [dog], extra [bird])");

        Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> ImageFolder.read(dir, 16)).hasMessage(dir.resolve("empty")
                + ": class folder without .jpg, .jpeg or .png images");
        Files.delete(dir.resolve("empty"));
        Files.createSymbolicLink(dir.resolve("loop"), dir); // a link back to the root: no images of its own
        assertThatThrownBy(() -> ImageFolder.read(dir, 16)).hasMessageContaining("loop: class folder without");
        Files.delete(dir.resolve("loop"));

        // 40 million pixels in a small PNG: refused from its header, before decoding them
        java.awt.image.BufferedImage wide = new java.awt.image.BufferedImage(20000, 2001,
                java.awt.image.BufferedImage.TYPE_BYTE_BINARY);
        javax.imageio.ImageIO.write(wide, "png", dir.resolve("dog").resolve("huge.png").toFile());
        assertThatThrownBy(() -> ImageFolder.read(dir, 16)).hasMessage(dir.resolve("dog").resolve("huge.png")
                + ": 20000x2001 pixels, more than the 40,000,000 an image may have here (raise it with"
                + " -Dnetspec.maxImagePixels=N)");
    }
}
