package org.netspec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.data.ImageFolder;
import org.netspec.runtime.model.Mode;
import org.netspec.runtime.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"The top classes of image files (PNG, JPEG) or folders of them, by name, with scores.",
                "The checkpoint (written by train) gives the class names, the input size and the normalisation;",
                "each image is scaled and centre-cropped to the model's input as training on image folders does."})
final class PredictCommand implements Callable<Integer> {
    private static final int BATCH = 64;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions target;

    @Option(names = "--weights", required = true, paramLabel = "CKPT", description = "a checkpoint written by train")
    Path weights;

    @Option(names = "--top", defaultValue = "3", description = "classes per image (default: ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "image files, or folders of .png/.jpg/.jpeg files")
    List<Path> images;


    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (top < 1) {
            err.println("netspec predict: --top must be at least 1, got " + top);
            return 1;
        }
        TrainingData training;
        try {
            training = TrainingData.of(weights, "predict");
        } catch (org.netspec.runtime.InputException e) {
            err.println("netspec predict: " + e.getMessage());
            return 1;
        }
        List<Path> files = files(images);
        if (files.isEmpty()) {
            err.println("netspec predict: no .png, .jpg or .jpeg images in " + images);
            return 1;
        }
        Model net = target.load(training.input(), 0, err);
        if (net == null || !ModelOptions.loadWeights(net, weights, false, "predict", err)) {
            return 1;
        }
        int c = training.input()[0];
        int size = training.input()[1];
        byte[] pixels = new byte[files.size() * c * size * size];
        for (int i = 0; i < files.size(); i++) {
            System.arraycopy(ImageFolder.image(files.get(i), c, size), 0, pixels, i * c * size * size, c * size * size);
        }
        Dataset data = new Dataset("predict", c, size, size, pixels, new int[files.size()], training.classes().size(),
                training.mean(), training.std());
        List<int[]> best = new ArrayList<>();
        List<double[]> scores = new ArrayList<>();
        for (int from = 0; from < files.size(); from += BATCH) {
            int[] indices = java.util.stream.IntStream.range(from, Math.min(files.size(), from + BATCH)).toArray();
            INDArray probabilities = Transforms.softmax(net.forward(data.batch(indices, Dataset.Augment.NONE,
                    new SplittableRandom(0)).images(), Mode.EVAL), true);
            for (int r = 0; r < indices.length; r++) {
                double[] row = probabilities.getRow(r).toDoubleVector();
                int[] order = java.util.stream.IntStream.range(0, row.length).boxed()
                        .sorted((a, b) -> Double.compare(row[b], row[a])).mapToInt(Integer::intValue)
                        .limit(Math.min(top, row.length)).toArray();
                best.add(order);
                scores.add(row);
            }
        }
        print(files, best, scores, training.classes());
        return 0;
    }

    private void print(List<Path> files, List<int[]> best, List<double[]> scores, List<String> classes)
            throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ArrayNode root = mapper.createArrayNode();
            for (int i = 0; i < files.size(); i++) {
                ObjectNode image = root.addObject().put("file", files.get(i).toString());
                ArrayNode top = image.putArray("top");
                for (int k : best.get(i)) {
                    top.addObject().put("class", classes.get(k)).put("index", k).put("score", scores.get(i)[k]);
                }
            }
            out.println(mapper.writeValueAsString(root));
        } else {
            for (int i = 0; i < files.size(); i++) {
                StringBuilder line = new StringBuilder(files.get(i).toString());
                for (int k : best.get(i)) {
                    line.append(String.format(Locale.ROOT, "  %s %.3f", classes.get(k), scores.get(i)[k]));
                }
                out.println(line);
            }
        }
        out.flush();
    }

    private static List<Path> files(List<Path> paths) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> entries = Files.walk(p)) {
                    entries.filter(Files::isRegularFile).filter(f -> {
                        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
                        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
                    }).sorted().forEach(files::add);
                }
            } else {
                files.add(p); // a missing or unreadable file is reported by the image reader, naming it
            }
        }
        return files;
    }
}
