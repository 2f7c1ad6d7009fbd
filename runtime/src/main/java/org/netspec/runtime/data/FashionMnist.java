package org.netspec.runtime.data;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fashion-MNIST (Xiao et al. 2017): 28x28 grey images of 10 kinds of clothing, 60,000 for training
 * and 10,000 for testing, in IDX files. Debian's {@code dataset-fashion-mnist} package installs
 * them in {@link #DEBIAN}.
 */
public final class FashionMnist {
    public static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");
    private static final float[] MEAN = {0.2860f};
    private static final float[] STD = {0.3530f};

    private FashionMnist() {}

    /** The names of labels 0 to 9. */
    public static final java.util.List<String> CLASSES = java.util.List.of("T-shirt/top", "Trouser", "Pullover",
            "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /**
     * The subset shipped in this jar: the first 6,000 training and 1,000 test images, for runs
     * on machines without the full set.
     */
    public static Path embedded() throws DataException {
        try {
            Path dir = Files.createTempDirectory("fashion-mnist-subset");
            for (String name : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                    "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
                try (var in = FashionMnist.class.getResourceAsStream("fashion-mnist-subset/" + name)) {
                    if (in == null) {
                        throw new DataException("the embedded Fashion-MNIST subset is missing " + name);
                    }
                    Files.copy(in, dir.resolve(name));
                }
                dir.resolve(name).toFile().deleteOnExit();
            }
            dir.toFile().deleteOnExit();
            return dir;
        } catch (java.io.IOException e) {
            throw new DataException("cannot unpack the embedded Fashion-MNIST subset: " + e.getMessage(), e);
        }
    }

    public static boolean available(Path dir) {
        return Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"));
    }

    /** {@code train} or {@code t10k}. */
    public static Dataset read(Path dir, String split) throws DataException {
        Path imagesFile = dir.resolve(split + "-images-idx3-ubyte.gz");
        Path labelsFile = dir.resolve(split + "-labels-idx1-ubyte.gz");
        Idx.Content images = Idx.read(imagesFile, 3);
        Idx.Content labels = Idx.read(labelsFile, 1);
        if (images.dims()[1] != 28 || images.dims()[2] != 28) {
            throw new DataException(imagesFile + ": images are " + images.dims()[1] + "x" + images.dims()[2] + ", not 28x28");
        }
        if (images.dims()[0] != labels.dims()[0]) {
            throw new DataException(imagesFile + " holds " + images.dims()[0] + " images but " + labelsFile + " "
                    + labels.dims()[0] + " labels");
        }
        int[] y = new int[labels.dims()[0]];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels.data()[i] & 0xff;
            if (y[i] > 9) {
                throw new DataException(labelsFile + ": record " + i + " has label " + y[i] + ", not 0..9");
            }
        }
        return new Dataset("fashion-mnist/" + split, 1, 28, 28, images.data(), y, 10, MEAN, STD);
    }
}
