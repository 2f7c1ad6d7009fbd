package org.netspec.runtime.data;

import java.util.ArrayList;
import java.util.List;

/**
 * A data set from encoded images held anywhere (Spark rows, a database, a message queue): each
 * added image is decoded, scaled and centre-cropped to channels x size x size as an image folder
 * is, with a label given as a class name; classes are numbered in name order, as folders are.
 * The memory the decoded set will take is checked as it grows, against the same budget as the
 * file readers.
 */
public final class EncodedImages {
    private final String name;
    private final int channels;
    private final int size;
    private final List<byte[]> pixels = new ArrayList<>();
    private final List<String> labels = new ArrayList<>();

    public EncodedImages(String name, int channels, int size) {
        if (channels != 1 && channels != 3 || size < 1) {
            throw new IllegalArgumentException("images of 1 or 3 channels and a size >= 1, got " + channels + " and "
                    + size);
        }
        this.name = name;
        this.channels = channels;
        this.size = size;
    }

    /** Decodes one image ({@code source} names it in errors) labelled {@code className}. */
    public EncodedImages add(String source, byte[] encoded, String className) throws DataException {
        if (className == null || className.isEmpty()) {
            throw new DataException(source + ": no label");
        }
        Budget.check(name, (long) (pixels.size() + 1) * channels * size * size);
        pixels.add(ImageFolder.image(encoded, source, channels, size));
        labels.add(className);
        return this;
    }

    /** The class names, in label order. */
    public List<String> classNames() {
        return labels.stream().distinct().sorted().toList();
    }

    /** The data set, normalised with {@code mean} and {@code std} per channel; {@code classNames} fixes the labels' numbers. */
    public Dataset toDataset(List<String> classNames, float[] mean, float[] std) throws DataException {
        if (pixels.isEmpty()) {
            throw new DataException(name + ": no images");
        }
        if (mean.length != channels || std.length != channels) {
            throw new IllegalArgumentException("mean and std need " + channels + " values each");
        }
        int per = channels * size * size;
        byte[] all = new byte[pixels.size() * per];
        int[] numbers = new int[pixels.size()];
        for (int i = 0; i < pixels.size(); i++) {
            System.arraycopy(pixels.get(i), 0, all, i * per, per);
            numbers[i] = classNames.indexOf(labels.get(i));
            if (numbers[i] < 0) {
                throw new DataException(name + ": class '" + labels.get(i) + "' is not one of " + classNames);
            }
        }
        return new Dataset(name, channels, size, size, all, numbers, classNames.size(), mean, std);
    }
}
