package org.netspec.runtime.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10's binary format: records of one label byte and 3,072 pixel bytes (1,024 red, then
 * green, then blue, each 32x32 row-major); {@code data_batch_1.bin} to {@code _5} for training,
 * {@code test_batch.bin} for testing.
 */
public final class Cifar10 {
    private static final int RECORD = 1 + 3 * 32 * 32;
    private static final float[] MEAN = {0.4914f, 0.4822f, 0.4465f};
    private static final float[] STD = {0.2470f, 0.2435f, 0.2616f};

    private Cifar10() {}

    /** The names of labels 0 to 9. */
    public static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");

    public static Dataset read(Path dir, boolean train) throws DataException {
        List<Path> files = new ArrayList<>();
        if (train) {
            for (int i = 1; i <= 5; i++) {
                files.add(dir.resolve("data_batch_" + i + ".bin"));
            }
        } else {
            files.add(dir.resolve("test_batch.bin"));
        }
        List<byte[]> contents = new ArrayList<>();
        int records = 0;
        long total = 0;
        for (Path f : files) {
            try {
                total += Files.size(f);
            } catch (IOException e) {
                throw new DataException(f + ": cannot read: " + e.getMessage(), e);
            }
            Budget.check(f, total); // before reading: a sparse 3 GB file must not fill the heap
        }
        for (Path f : files) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f); // within the budget: checked above
            } catch (IOException e) {
                throw new DataException(f + ": cannot read: " + e.getMessage(), e);
            }
            if (bytes.length == 0 || bytes.length % RECORD != 0) {
                throw new DataException(f + ": " + bytes.length + " bytes is not a whole number of " + RECORD
                        + "-byte records; record " + bytes.length / RECORD + " is truncated");
            }
            for (int r = 0; r < bytes.length / RECORD; r++) {
                if ((bytes[r * RECORD] & 0xff) > 9) {
                    throw new DataException(f + ": record " + r + " has label " + (bytes[r * RECORD] & 0xff) + ", not 0..9");
                }
            }
            contents.add(bytes);
            records += bytes.length / RECORD;
        }
        byte[] pixels = new byte[records * (RECORD - 1)];
        int[] labels = new int[records];
        int at = 0;
        for (byte[] bytes : contents) {
            for (int r = 0; r < bytes.length / RECORD; r++, at++) {
                labels[at] = bytes[r * RECORD] & 0xff;
                System.arraycopy(bytes, r * RECORD + 1, pixels, at * (RECORD - 1), RECORD - 1);
            }
        }
        return new Dataset(train ? "cifar10/train" : "cifar10/test", 3, 32, 32, pixels, labels, 10, MEAN, STD);
    }
}
