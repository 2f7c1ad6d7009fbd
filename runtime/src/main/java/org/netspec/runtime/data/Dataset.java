package org.netspec.runtime.data;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Labelled images kept as bytes (0..255, C x H x W per image), turned into normalised NHWC
 * float batches on demand, with optional augmentation.
 *
 * @param mean per-channel mean of the [0, 1] pixel values, subtracted before dividing by {@code std}
 */
public record Dataset(String name, int channels, int height, int width, byte[] pixels, int[] labels, int classes,
                      float[] mean, float[] std) implements java.io.Serializable {

    public int size() {
        return labels.length;
    }

    /** The first {@code n} examples (for quick runs and the embedded subset). */
    public Dataset limit(int n) {
        if (n >= size()) {
            return this;
        }
        int per = channels * height * width;
        return new Dataset(name, channels, height, width, Arrays.copyOf(pixels, n * per), Arrays.copyOf(labels, n),
                classes, mean, std);
    }

    /** Random crop after zero padding, and horizontal flips; off by default. */
    public record Augment(int padding, boolean flip) implements java.io.Serializable {
        public static final Augment NONE = new Augment(0, false);
    }

    /** A batch: NHWC images and their labels (int32). */
    public record Batch(INDArray images, INDArray labels) {}

    /**
     * The examples {@code indices} as a batch; augmentation draws from {@code random}, so the
     * same seed gives the same batch.
     */
    public Batch batch(int[] indices, Augment augment, SplittableRandom random) {
        int n = indices.length;
        int per = height * width * channels;
        float[] out = new float[n * per];
        int[] batchLabels = new int[n];
        for (int b = 0; b < n; b++) {
            int index = indices[b];
            batchLabels[b] = labels[index];
            int dy = 0;
            int dx = 0;
            boolean flip = false;
            if (augment.padding() > 0) {
                dy = random.nextInt(2 * augment.padding() + 1) - augment.padding();
                dx = random.nextInt(2 * augment.padding() + 1) - augment.padding();
            }
            if (augment.flip()) {
                flip = random.nextBoolean();
            }
            int base = index * per;
            for (int y = 0; y < height; y++) {
                int sy = y + dy;
                for (int x = 0; x < width; x++) {
                    int sx = flip ? width - 1 - (x + dx) : x + dx;
                    boolean inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
                    for (int c = 0; c < channels; c++) {
                        float v = inside ? (pixels[base + (c * height + sy) * width + sx] & 0xff) / 255f : 0f;
                        out[((b * height + y) * width + x) * channels + c] = (v - mean[c]) / std[c];
                    }
                }
            }
        }
        return new Batch(Nd4j.create(out, new long[] {n, height, width, channels}, 'c'), Nd4j.createFromArray(batchLabels));
    }

    /** A permutation of all indices, the same for the same seed and epoch. */
    public int[] shuffled(long seed, int epoch) {
        int[] order = new int[size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
