package org.netspec.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.netspec.cli.TrainingData;
import org.netspec.runtime.data.DataException;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.data.ImageFolder;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.model.Mode;

/**
 * A trained model applied to images on Spark: rows of {@code (path, content)} — what
 * {@code spark.read().format("binaryFile")} gives for a folder, or a Parquet table of image
 * bytes — become rows of {@code (path, classes, indices, scores)}, the top-k by softmax score.
 * The weights are broadcast once; each executor JVM builds the model once per concurrent task
 * and keeps it for the next partitions. Images are prepared as {@code netspec predict} prepares
 * them (the checkpoint's input size, class names and normalisation).
 */
public final class SparkScorer implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int BATCH = 64;
    /** Models built on this JVM, by broadcast: one per task running at once, reused across partitions. */
    private static final Map<Long, ConcurrentLinkedQueue<Model>> MODELS = new ConcurrentHashMap<>();
    private static final Map<Long, Path> WEIGHTS = new ConcurrentHashMap<>();

    /** The output's columns. */
    public static final StructType SCHEMA = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("classes", DataTypes.createArrayType(DataTypes.StringType, false), false)
            .add("indices", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add("scores", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    private final ModelFactory factory;
    private final Broadcast<byte[]> weights;
    private final TrainingData data;
    private final int top;

    /** {@code checkpoint}: a file written by {@code netspec train} (or {@link org.netspec.runtime.train.Trainer}). */
    public SparkScorer(JavaSparkContext sc, ModelFactory factory, Path checkpoint, int top) throws IOException {
        if (top < 1) {
            throw new IllegalArgumentException("top-k needs k >= 1, got " + top);
        }
        this.factory = factory;
        this.data = TrainingData.of(checkpoint, "scoring");
        this.weights = sc.broadcast(Files.readAllBytes(checkpoint));
        this.top = Math.min(top, data.classes().size());
    }

    /** Every .png, .jpg and .jpeg file under {@code folder} (any file system Spark reads), scored. */
    public org.apache.spark.sql.Dataset<Row> scoreFolder(SparkSession spark, String folder) {
        return score(spark, spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .option("pathGlobFilter", "*.{png,jpg,jpeg,PNG,JPG,JPEG}").load(folder).select("path", "content"));
    }

    /** Rows with a string column {@code path} and a binary column {@code content} (encoded PNG or JPEG), scored. */
    public org.apache.spark.sql.Dataset<Row> score(SparkSession spark, org.apache.spark.sql.Dataset<Row> images) {
        JavaRDD<Row> scored = images.select("path", "content").javaRDD().mapPartitions(this::scorePartition);
        return spark.createDataFrame(scored, SCHEMA);
    }

    private Iterator<Row> scorePartition(Iterator<Row> rows) throws IOException {
        Model model = borrow();
        try {
            List<Row> out = new ArrayList<>();
            List<String> paths = new ArrayList<>();
            List<byte[]> encoded = new ArrayList<>();
            while (rows.hasNext()) {
                Row r = rows.next();
                paths.add(r.getString(0));
                encoded.add((byte[]) r.get(1));
                if (paths.size() == BATCH || !rows.hasNext()) {
                    out.addAll(scoreBatch(model, paths, encoded));
                    paths.clear();
                    encoded.clear();
                }
            }
            return out.iterator();
        } finally {
            MODELS.get(weights.id()).add(model);
        }
    }

    private List<Row> scoreBatch(Model model, List<String> paths, List<byte[]> encoded) throws DataException {
        int c = data.input()[0];
        int size = data.input()[1];
        int per = c * size * size;
        byte[] pixels = new byte[paths.size() * per];
        for (int i = 0; i < paths.size(); i++) {
            System.arraycopy(ImageFolder.image(encoded.get(i), paths.get(i), c, size), 0, pixels, i * per, per);
        }
        Dataset batch = new Dataset("scoring", c, size, size, pixels, new int[paths.size()], data.classes().size(),
                data.mean(), data.std());
        int[] all = IntStream.range(0, paths.size()).toArray();
        INDArray probabilities = Transforms.softmax(model.forward(batch.batch(all, Dataset.Augment.NONE,
                new SplittableRandom(0)).images(), Mode.EVAL), true);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            float[] p = probabilities.getRow(i).toFloatVector();
            int[] order = IntStream.range(0, p.length).boxed().sorted((a, b) -> Float.compare(p[b], p[a]))
                    .mapToInt(Integer::intValue).limit(top).toArray();
            String[] classes = new String[top];
            Integer[] indices = new Integer[top];
            Float[] scores = new Float[top];
            for (int k = 0; k < top; k++) {
                classes[k] = data.classes().get(order[k]);
                indices[k] = order[k];
                scores[k] = p[order[k]];
            }
            rows.add(RowFactory.create(paths.get(i), classes, indices, scores));
        }
        return rows;
    }

    /** A model of this JVM for this task: a free one, or a new one with the broadcast weights. */
    private Model borrow() throws IOException {
        Model model = MODELS.computeIfAbsent(weights.id(), k -> new ConcurrentLinkedQueue<>()).poll();
        if (model != null) {
            return model;
        }
        Path file = WEIGHTS.computeIfAbsent(weights.id(), id -> {
            try {
                Path f = Files.createTempFile("netspec-weights-" + id, ".safetensors");
                f.toFile().deleteOnExit();
                Files.write(f, weights.value());
                return f;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        model = factory.build();
        model.loadWeights(file);
        return model;
    }
}
