package org.netspec.runtime.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.netspec.runtime.model.Builder;
import org.netspec.runtime.model.Init;
import org.netspec.runtime.model.Layer;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.model.Padding;
import org.netspec.runtime.model.Shape;
import org.netspec.runtime.model.Size;

/**
 * Seeded mutation fuzzing of one reader, meant to run in a child JVM with a small heap
 * ({@link ReaderFuzzTest}): every mutated input must be read or refused with the reader's own
 * error naming the file; anything else (a runtime exception, an OutOfMemoryError) prints the
 * input's number and stack trace and exits 3.
 *
 * <p>{@code ReaderFuzz idx|cifar|images|checkpoint COUNT SEED}
 */
public final class ReaderFuzz {
    private ReaderFuzz() {}

    /** One reader under test: a valid input to start from, and how to read a file set up from bytes. */
    private interface Target {
        byte[] seed() throws IOException;

        /**
         * Writes {@code input} where the reader looks and reads it, with the reader's other files
         * mutated by {@code random} now and then (null: all of them valid).
         */
        void read(byte[] input, Random random) throws IOException;
    }

    public static void main(String[] args) throws Exception {
        String reader = args[0];
        int count = Integer.parseInt(args[1]);
        Random random = new Random(Long.parseLong(args[2]));
        Path work = Files.createTempDirectory("netspec-fuzz");
        Target target = switch (reader) {
            case "idx" -> idx(work);
            case "cifar" -> cifar(work);
            case "images" -> images(work);
            case "checkpoint" -> checkpoint(work);
            default -> throw new IllegalArgumentException("no reader " + reader);
        };
        knownCases(reader, work);
        byte[] valid = target.seed();
        target.read(valid, null); // the unmutated input must be accepted
        int accepted = 0;
        int refused = 0;
        for (int i = 0; i < count; i++) {
            byte[] input = mutate(valid, random);
            try {
                target.read(input, random);
                accepted++;
            } catch (IOException | IllegalArgumentException e) {
                // the reader's own refusal: it must say which file
                if (!String.valueOf(e.getMessage()).contains(work.toString())) {
                    fail(i, input, work, new AssertionError("an error that names no file: " + e, e));
                }
                refused++;
            } catch (Throwable t) {
                fail(i, input, work, t);
            }
        }
        System.out.printf("fuzz %s: %d inputs, %d accepted, %d refused%n", reader, count, accepted, refused);
        try (var files = Files.walk(work)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** Files that once exhausted memory: refused from their size or header alone, within this small heap. */
    private static void knownCases(String reader, Path work) throws IOException {
        if (reader.equals("cifar")) {
            Path dir = Files.createDirectories(work.resolve("sparse"));
            try (var f = new java.io.RandomAccessFile(dir.resolve("test_batch.bin").toFile(), "rw")) {
                f.setLength(3L * 30_730_000 * 32); // a sparse 3 GB file of whole records
            }
            expectRefusal(() -> Cifar10.read(dir, false), "sparse 3 GB CIFAR file");
        } else if (reader.equals("idx")) {
            Path dir = Files.createDirectories(work.resolve("claims"));
            byte[] header = new byte[16 + 1000];
            setInt(header, 0, 0x803);
            setInt(header, 4, 2_700_000); // 2.7 M images claimed, 1,000 bytes given
            setInt(header, 8, 28);
            setInt(header, 12, 28);
            byte[] gz = gzip(header);
            long claimed = 16L + 2_700_000L * 28 * 28;
            for (int k = 0; k < 4; k++) {
                gz[gz.length - 4 + k] = (byte) (claimed >>> (8 * k)); // a trailer that agrees with the header
            }
            Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), gz);
            Files.copy(FashionMnist.embedded().resolve("t10k-labels-idx1-ubyte.gz"),
                    dir.resolve("t10k-labels-idx1-ubyte.gz"));
            expectRefusal(() -> FashionMnist.read(dir, "t10k"), "IDX header claiming 2.7 M images");
        }
    }

    private interface Read {
        void run() throws IOException;
    }

    private static void expectRefusal(Read read, String what) {
        try {
            read.run();
            throw new AssertionError(what + " was accepted");
        } catch (DataException e) {
            System.out.println(what + ": refused: " + e.getMessage());
        } catch (IOException e) {
            throw new AssertionError(what + ": not the reader's own error: " + e, e);
        }
    }

    private static void fail(int i, byte[] input, Path work, Throwable t) throws IOException {
        Path kept = Files.write(work.resolve("failing-input.bin"), input);
        System.out.println("input " + i + " (kept in " + kept + "): " + t);
        t.printStackTrace(System.out);
        System.out.flush();
        System.exit(3);
    }

    /** One to three of: bit flips, random bytes, a random int in the header, truncation, appended bytes. */
    static byte[] mutate(byte[] base, Random r) {
        byte[] b = base.clone();
        for (int m = 0, n = 1 + r.nextInt(3); m < n; m++) {
            int header = Math.min(b.length, 64);
            switch (r.nextInt(5)) {
                case 0 -> {
                    for (int k = 0, flips = 1 + r.nextInt(8); k < flips && b.length > 0; k++) {
                        b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case 1 -> {
                    for (int k = 0, bytes = 1 + r.nextInt(4); k < bytes && b.length > 0; k++) {
                        int at = r.nextBoolean() && header > 0 ? r.nextInt(header) : r.nextInt(b.length);
                        b[at] = (byte) (r.nextInt(3) == 0 ? 0xff : r.nextInt(3) == 0 ? 0 : r.nextInt(256));
                    }
                }
                case 2 -> {
                    if (header >= 4) {
                        int at = r.nextInt(header - 3);
                        int v = r.nextInt(3) == 0 ? Integer.MAX_VALUE - r.nextInt(16) : r.nextInt();
                        for (int k = 0; k < 4; k++) {
                            b[at + k] = (byte) (v >>> (8 * (r.nextBoolean() ? k : 3 - k)));
                        }
                    }
                }
                case 3 -> b = java.util.Arrays.copyOf(b, b.length == 0 ? 0 : r.nextInt(b.length));
                default -> {
                    byte[] tail = new byte[1 + r.nextInt(64)];
                    r.nextBytes(tail);
                    byte[] longer = java.util.Arrays.copyOf(b, b.length + tail.length);
                    System.arraycopy(tail, 0, longer, b.length, tail.length);
                    b = longer;
                }
            }
        }
        return b;
    }

    // ------------------------------------------------------------------ the readers

    /** Fashion-MNIST's gzip'd IDX files: mutated before gzip (the IDX header) or after (gzip itself). */
    private static Target idx(Path work) throws IOException {
        Path embedded = FashionMnist.embedded();
        byte[] images = gunzip(embedded.resolve("t10k-images-idx3-ubyte.gz"), 16 + 16 * 28 * 28);
        byte[] labels = gunzip(embedded.resolve("t10k-labels-idx1-ubyte.gz"), 8 + 16);
        setInt(images, 4, 16); // 16 images
        setInt(labels, 4, 16);
        Path dir = Files.createDirectories(work.resolve("idx"));
        return new Target() {
            public byte[] seed() {
                return images;
            }

            public void read(byte[] input, Random r) throws IOException {
                boolean raw = r == null || r.nextBoolean(); // the IDX header, or the gzip stream around it
                Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), raw ? gzip(input) : mutate(gzip(images), r));
                boolean badLabels = r != null && r.nextInt(4) == 0;
                Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), gzip(badLabels ? mutate(labels, r) : labels));
                FashionMnist.read(dir, "t10k");
            }
        };
    }

    /** CIFAR-10's binary test batch: records of a label byte and 3 x 32 x 32 pixels. */
    private static Target cifar(Path work) throws IOException {
        Path dir = Files.createDirectories(work.resolve("cifar"));
        byte[] records = new byte[20 * (1 + 3 * 32 * 32)];
        new Random(1).nextBytes(records);
        for (int r = 0; r < 20; r++) {
            records[r * (1 + 3 * 32 * 32)] = (byte) (r % 10);
        }
        return new Target() {
            public byte[] seed() {
                return records;
            }

            public void read(byte[] input, Random r) throws IOException {
                Files.write(dir.resolve("test_batch.bin"), input);
                Cifar10.read(dir, false);
            }
        };
    }

    /** An image folder of one PNG and one JPEG class, one of them mutated. */
    private static Target images(Path work) throws IOException {
        Path dir = work.resolve("images");
        Path png = Files.createDirectories(dir.resolve("a")).resolve("x.png");
        Path jpg = Files.createDirectories(dir.resolve("b")).resolve("y.jpg");
        byte[] pngBytes = encode(16, 12, "png");
        byte[] jpgBytes = encode(12, 16, "jpg");
        return new Target() {
            public byte[] seed() {
                return pngBytes;
            }

            public void read(byte[] input, Random r) throws IOException {
                boolean jpeg = r != null && r.nextBoolean(); // the PNG is the input, or the JPEG is mutated
                Files.write(png, jpeg ? pngBytes : input);
                Files.write(jpg, jpeg ? mutate(jpgBytes, r) : jpgBytes);
                ImageFolder.read(dir, 8);
            }
        };
    }

    /** A small model's safetensors checkpoint, loaded back into the model. */
    private static Target checkpoint(Path work) throws IOException {
        Model model = new Model("Tiny", Shape.of(2, 6, 6), 1, ReaderFuzz::tiny) {};
        Path file = work.resolve("checkpoint.safetensors");
        model.saveWeights(file);
        byte[] valid = Files.readAllBytes(file);
        return new Target() {
            public byte[] seed() {
                return valid;
            }

            public void read(byte[] input, Random r) throws IOException {
                Files.write(file, input);
                model.loadWeights(file);
            }
        };
    }

    private static Layer tiny(Builder b, Shape in) {
        Layer conv = b.conv("conv1", in, 4, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 1, false);
        Layer bn = b.batchnorm("bn1", conv.output(), 0.1, 1e-5, Init.ONES, false);
        Layer mean = b.mean("pool", bn.output(), "spatial", false);
        Layer fc = b.dense("fc", mean.output(), 3, true);
        return org.netspec.runtime.model.GradientCheckTest.sequence(conv,
                org.netspec.runtime.model.GradientCheckTest.sequence(bn,
                        org.netspec.runtime.model.GradientCheckTest.sequence(mean, fc)));
    }

    // ------------------------------------------------------------------ helpers

    private static byte[] gunzip(Path file, int bytes) throws IOException {
        try (var in = new GZIPInputStream(Files.newInputStream(file))) {
            return in.readNBytes(bytes);
        }
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private static void setInt(byte[] b, int at, int v) {
        for (int k = 0; k < 4; k++) {
            b[at + k] = (byte) (v >>> (24 - 8 * k));
        }
    }

    private static byte[] encode(int w, int h, String format) throws IOException {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(w * 31 + h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }
}
