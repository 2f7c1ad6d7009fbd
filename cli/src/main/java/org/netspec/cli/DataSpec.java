package org.netspec.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import org.netspec.runtime.data.Cifar10;
import org.netspec.runtime.data.DataException;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.data.FashionMnist;
import org.netspec.runtime.data.ImageFolder;

/** {@code --data fashion-mnist[:DIR] | cifar10:DIR | folder:DIR[:SIZE]}: a training and a test set. */
public record DataSpec(Dataset train, Dataset test, List<String> classNames) {

    /**
     * Image folders decoded to {@code channels} x {@code size} x {@code size} (a {@code :SIZE} in the
     * text wins); {@code adapted}: the user asked for that shape, which fixed-shape sets refuse.
     */
    public static DataSpec parse(String text, PrintWriter err, int channels, int size, boolean adapted)
            throws DataException {
        String kind = text.contains(":") ? text.substring(0, text.indexOf(':')) : text;
        String rest = text.contains(":") ? text.substring(text.indexOf(':') + 1) : "";
        switch (kind) {
            case "fashion-mnist": {
                refuseAdapting(adapted, "fashion-mnist images are 1x28x28");
                Path dir = rest.isEmpty() ? FashionMnist.DEBIAN : Path.of(rest);
                if (rest.isEmpty() && !FashionMnist.available(dir)) {
                    err.println("netspec: the full Fashion-MNIST is not installed (Debian: apt-get install"
                            + " dataset-fashion-mnist); using the embedded subset of 6,000 training and 1,000 test images");
                    dir = FashionMnist.embedded();
                }
                return new DataSpec(FashionMnist.read(dir, "train"), FashionMnist.read(dir, "t10k"), FashionMnist.CLASSES);
            }
            case "cifar10":
                refuseAdapting(adapted, "CIFAR-10 images are 3x32x32");
                if (rest.isEmpty()) {
                    throw new DataException("cifar10 needs a folder: --data cifar10:DIR (the binary version's *.bin files)");
                }
                return new DataSpec(Cifar10.read(Path.of(rest), true), Cifar10.read(Path.of(rest), false),
                        Cifar10.CLASSES);
            case "folder": {
                if (rest.isEmpty()) {
                    throw new DataException("folder needs a path: --data folder:DIR[:SIZE] with DIR/train and DIR/test");
                }
                String dir = rest;
                int colon = rest.lastIndexOf(':');
                if (colon > 0 && rest.substring(colon + 1).matches("\\d+")) {
                    size = Integer.parseInt(rest.substring(colon + 1));
                    dir = rest.substring(0, colon);
                }
                List<String> classes = ImageFolder.classFolders(Path.of(dir, "train")).stream()
                        .map(p -> p.getFileName().toString()).toList();
                return new DataSpec(ImageFolder.read(Path.of(dir, "train"), channels, size, classes),
                        ImageFolder.read(Path.of(dir, "test"), channels, size, classes), classes);
            }
            default:
                throw new DataException("unknown data '" + kind + "'; use fashion-mnist[:DIR], cifar10:DIR or folder:DIR");
        }
    }

    private static void refuseAdapting(boolean adapted, String why) throws DataException {
        if (adapted) {
            throw new DataException("--channels and --size adapt image folders; " + why);
        }
    }

    public int[] shape() {
        return new int[] {train.channels(), train.height(), train.width()};
    }
}
