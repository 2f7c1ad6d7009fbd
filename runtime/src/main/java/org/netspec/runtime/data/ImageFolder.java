package org.netspec.runtime.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * A folder of images, one sub-folder per class ({@code dir/cat/1.jpg}, {@code dir/dog/2.png}),
 * classes in name order. Each image is resized so its shorter side is {@code size}, centre-cropped
 * to {@code size x size} and kept as RGB; normalisation uses ImageNet's statistics.
 */
public final class ImageFolder {
    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    private ImageFolder() {}

    /** Pixels an image may have before it is decoded (a small PNG can hold a huge image); {@code -Dnetspec.maxImagePixels}. */
    public static final long MAX_PIXELS = Long.getLong("netspec.maxImagePixels", 40_000_000L);

    public static Dataset read(Path dir, int size) throws DataException {
        return read(dir, size, null);
    }

    /**
     * The images of {@code dir}; with {@code expected} (the class folders of the training side),
     * the class folders must be exactly those, so that a label means the same class on both sides.
     */
    public static Dataset read(Path dir, int size, List<String> expected) throws DataException {
        return read(dir, 3, size, expected);
    }

    /**
     * The images of {@code dir} as {@code channels} (1: grey, 3: RGB) x {@code size} x {@code size},
     * normalised with ImageNet's statistics (their mean over the channels for grey); with
     * {@code expected}, the class folders must be exactly those.
     */
    public static Dataset read(Path dir, int channels, int size, List<String> expected) throws DataException {
        if (channels != 1 && channels != 3) {
            throw new DataException(dir + ": image folders give 1 (grey) or 3 (RGB) channels, not " + channels);
        }
        List<Path> classes = classFolders(dir);
        List<String> names = classes.stream().map(p -> p.getFileName().toString()).toList();
        if (expected != null && !names.equals(expected)) {
            List<String> missing = new ArrayList<>(expected);
            missing.removeAll(names);
            List<String> extra = new ArrayList<>(names);
            extra.removeAll(expected);
            throw new DataException(dir + ": its class folders differ from the training side's, so labels would"
                    + " shift (missing " + missing + ", extra " + extra + ")");
        }
        List<byte[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            List<Path> files;
            try (Stream<Path> entries = Files.list(classes.get(c))) {
                files = entries.filter(p -> {
                    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
                }).sorted().toList();
            } catch (IOException e) {
                throw new DataException(classes.get(c) + ": cannot list: " + e.getMessage(), e);
            }
            if (files.isEmpty()) {
                throw new DataException(classes.get(c) + ": class folder without .jpg, .jpeg or .png images");
            }
            for (Path f : files) {
                images.add(pixels(decode(f), channels, size));
                labels.add(c);
            }
        }
        if (images.isEmpty()) {
            throw new DataException(dir + ": no .jpg, .jpeg or .png images in its class folders");
        }
        int per = channels * size * size;
        byte[] pixels = new byte[images.size() * per];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, pixels, i * per, per);
        }
        float[] mean = channels == 3 ? MEAN : new float[] {(MEAN[0] + MEAN[1] + MEAN[2]) / 3};
        float[] std = channels == 3 ? STD : new float[] {(STD[0] + STD[1] + STD[2]) / 3};
        return new Dataset("folder:" + dir.getFileName(), channels, size, size, pixels,
                labels.stream().mapToInt(Integer::intValue).toArray(), classes.size(), mean, std);
    }

    /** The class folders of {@code dir} in name order (hidden ones left out). */
    public static List<Path> classFolders(Path dir) throws DataException {
        List<Path> classes;
        try (Stream<Path> entries = Files.list(dir)) {
            classes = entries.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new DataException(dir + ": cannot list class folders: " + e.getMessage(), e);
        }
        if (classes.isEmpty()) {
            throw new DataException(dir + ": no class folders (expected dir/<class>/<image>)");
        }
        return classes;
    }

    /**
     * One image as a model takes it: {@code channels} (1: grey, 3: RGB) x {@code size} x {@code size}
     * bytes, the shorter side scaled to {@code size} and the centre cropped — what training on an
     * image folder sees. A grey image already at that size keeps its exact pixel values.
     */
    public static byte[] image(Path file, int channels, int size) throws DataException {
        if (channels != 1 && channels != 3) {
            throw new DataException(file + ": a model with " + channels + " input channels takes no image (1 or 3)");
        }
        return pixels(decode(file.toFile(), file.toString()), channels, size);
    }

    /** {@link #image(Path, int, int)} of an encoded image in memory (a Spark row's bytes); {@code name} names it in errors. */
    public static byte[] image(byte[] encoded, String name, int channels, int size) throws DataException {
        if (channels != 1 && channels != 3) {
            throw new DataException(name + ": a model with " + channels + " input channels takes no image (1 or 3)");
        }
        return pixels(decode(new java.io.ByteArrayInputStream(encoded), name), channels, size);
    }

    private static BufferedImage decode(Path file) throws DataException {
        return decode(file.toFile(), file.toString());
    }

    /** {@code source}: a file or a stream, as {@link ImageIO#createImageInputStream} takes them. */
    private static BufferedImage decode(Object source, String file) throws DataException {
        BufferedImage image;
        try (ImageInputStream in = ImageIO.createImageInputStream(source)) {
            Iterator<ImageReader> readers = in == null ? java.util.Collections.emptyIterator() : ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new DataException(file + ": not a readable JPEG or PNG image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                // the header's size, checked before the pixels are decoded into memory
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > Budget.pixels()) {
                    throw new DataException(file + ": " + reader.getWidth(0) + "x" + reader.getHeight(0) + " pixels, more"
                            + " than the " + String.format("%,d", Budget.pixels()) + " an image may have here ("
                            + (Budget.pixels() == MAX_PIXELS ? "raise it with -Dnetspec.maxImagePixels=N"
                            : "1/32 of the JVM's heap: raise -Xmx") + ")");
                }
                image = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (DataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new DataException(file + ": cannot decode: " + e.getMessage(), e);
        }
        if (image == null || image.getWidth() < 1 || image.getHeight() < 1) {
            throw new DataException(file + ": not a readable JPEG or PNG image");
        }
        return image;
    }

    private static byte[] pixels(BufferedImage image, int channels, int size) {
        double scale = (double) size / Math.min(image.getWidth(), image.getHeight());
        int w = Math.max(size, (int) Math.round(image.getWidth() * scale));
        int h = Math.max(size, (int) Math.round(image.getHeight() * scale));
        BufferedImage resized = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = resized.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, -(w - size) / 2, -(h - size) / 2, w, h, null);
        g.dispose();
        byte[] chw = new byte[channels * size * size];
        boolean exactGrey = channels == 1 && image.getRaster().getNumBands() == 1 && image.getWidth() == size
                && image.getHeight() == size; // read the samples: a colour conversion would shift them
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                if (exactGrey) {
                    chw[y * size + x] = (byte) image.getRaster().getSample(x, y, 0);
                    continue;
                }
                int rgb = resized.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int gr = (rgb >> 8) & 0xff;
                int bl = rgb & 0xff;
                if (channels == 1) {
                    chw[y * size + x] = (byte) Math.round(0.299 * r + 0.587 * gr + 0.114 * bl); // ITU-R BT.601 luma
                } else {
                    chw[y * size + x] = (byte) r;
                    chw[size * size + y * size + x] = (byte) gr;
                    chw[2 * size * size + y * size + x] = (byte) bl;
                }
            }
        }
        return chw;
    }
}
