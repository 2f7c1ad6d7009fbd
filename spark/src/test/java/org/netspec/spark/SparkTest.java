package org.netspec.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.netspec.models.ResNet20;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.data.FashionMnist;
import org.netspec.runtime.model.Mode;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.train.Trainer;

/**
 * Spark in process: N = 1, 2 and 4 barrier workers equal one process accumulating the same N
 * shards; a worker that fails mid-epoch is retried by Spark and the run ends where an unbroken
 * one does; scoring a folder of images equals predicting them in one process.
 */
class SparkTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    private static SparkSession spark;
    private static JavaSparkContext sc;
    private static final AtomicInteger FAILED_TASKS = new AtomicInteger();

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        // local[4, 2]: four task slots (a barrier stage of 4 needs them at once), a failed task retried once
        spark = SparkSession.builder().master("local[4,2]").appName("netspec-test").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        sc.setLogLevel("ERROR");
        sc.sc().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (!end.taskInfo().successful()) {
                    FAILED_TASKS.incrementAndGet();
                }
            }
        });
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static final ModelFactory RESNET20 = () -> ResNet20.builder().filters(4).inputShape(1, 28, 28).seed(3)
            .build();

    /**
     * 8 steps of 40 over 2 epochs, the last step of each epoch 32 (shards of 10 and 8). This small
     * network's first steps amplify a change in the last bit ~1,000-fold per step (measured in one
     * process: conv1's weights scaled by 1 + 1e-7 differ by 9e-5 after 2 steps, 6e-2 after 5), so
     * the equality holds only because the all-reduce sums in float64: the same float32 bits
     * whatever the order of addition (a float32 ring differed by 2e-2 after these 8 steps).
     */
    private static Trainer.Config config() {
        return new Trainer.Config(2, 40, 0.05, "sgd", 0.9, true, 5e-4, 0.1, 0.5, new Dataset.Augment(2, true), 11, 4);
    }

    private static Dataset train() throws Exception {
        return FashionMnist.read(FashionMnist.embedded(), "train").limit(152);
    }

    private static Dataset test() throws Exception {
        return FashionMnist.read(FashionMnist.embedded(), "t10k").limit(100);
    }

    private Model single() throws Exception {
        Model model = RESNET20.build();
        new Trainer(model, train(), test(), config(), dir.resolve("single"), QUIET).run(false);
        return model;
    }

    private Model onSpark(int workers, SparkTrainer.Fault fault, Path out) throws Exception {
        Model model = RESNET20.build();
        try (SparkTrainer runner = new SparkTrainer(sc, workers, RESNET20, train(), test(), QUIET).checkEvery(3)
                .fault(fault)) {
            new Trainer(model, train(), test(), config(), out, QUIET).epochRunner(runner).run(false);
        }
        return model;
    }

    /** Each of 4 tasks holds i * (rank + 1) at index i; every task ends with the sum, 10 i, bit for bit. */
    @Test
    void theRingSumsWhatEveryTaskHolds() {
        ClassTagged.check(sc, 4, 100_003);
        ClassTagged.check(sc, 3, 7);
        ClassTagged.check(sc, 2, 1);
    }

    @Test
    void workersEqualOneProcessAccumulatingTheirShards() throws Exception {
        Model expected = single();
        List<String> metrics = Files.readAllLines(dir.resolve("single").resolve(Trainer.METRICS));
        for (int workers : new int[] {1, 2, 4}) {
            Path out = dir.resolve("spark" + workers);
            Model actual = onSpark(workers, null, out);
            assertClose(actual.parameters().all(), expected.parameters().all(), 1e-5, workers + " workers");
            List<String> rows = Files.readAllLines(out.resolve(Trainer.METRICS));
            assertThat(rows).hasSize(3);
            for (int i = 1; i < rows.size(); i++) {
                String[] a = rows.get(i).split(",");
                String[] e = metrics.get(i).split(",");
                assertThat(Double.parseDouble(a[1])).as("train loss, %d workers", workers)
                        .isCloseTo(Double.parseDouble(e[1]), org.assertj.core.data.Offset.offset(1e-4));
                assertThat(a[4]).as("test top-1, %d workers", workers).isEqualTo(e[4]);
            }
            assertThat(out.resolve(Trainer.CHECKPOINT)).exists();
        }
    }

    @Test
    void moreWorkersThanSlotsIsRefusedAtOnce() throws Exception {
        assertThatThrownBy(() -> new SparkTrainer(sc, 5, RESNET20, train(), test(), QUIET))
                .isInstanceOf(org.netspec.runtime.InputException.class)
                .hasMessage("5 workers need 5 task slots at once, and local[4,2] has 4: use local[5] or fewer workers");
    }

    @Test
    void aFailedWorkerIsRetriedAndTheRunEndsAsAnUnbrokenOne() throws Exception {
        Model unbroken = onSpark(2, null, dir.resolve("unbroken"));
        int failedBefore = FAILED_TASKS.get();
        Model retried = onSpark(2, new SparkTrainer.Fault(1, 1, 2), dir.resolve("retried"));
        assertThat(FAILED_TASKS.get() - failedBefore).as("failed task attempts").isGreaterThanOrEqualTo(1);
        Map<String, INDArray> expected = unbroken.parameters().all();
        retried.parameters().all().forEach((name, v) -> assertThat(v).as(name).isEqualTo(expected.get(name)));
        assertThat(withoutTimes(dir.resolve("retried"))).isEqualTo(withoutTimes(dir.resolve("unbroken")));
    }

    /** metrics.csv without the columns that time the run (images/s, seconds). */
    private static List<String> withoutTimes(Path run) throws Exception {
        return Files.readAllLines(run.resolve(Trainer.METRICS)).stream().map(l -> {
            String[] f = l.split(",");
            return String.join(",", f[0], f[1], f[2], f[3], f[4], f[5], f[8]);
        }).toList();
    }

    @Test
    void scoringAFolderEqualsPredictingInOneProcess() throws Exception {
        Path run = dir.resolve("trained");
        Model model = RESNET20.build();
        Dataset train = train();
        Trainer.Config config = new Trainer.Config(1, 40, 0.05, "sgd", 0.9, true, 5e-4, 0, 0.5, Dataset.Augment.NONE, 1);
        new Trainer(model, train, test(), config, run, QUIET).classNames(FashionMnist.CLASSES).run(false);
        Dataset images = FashionMnist.read(FashionMnist.embedded(), "train").limit(2000);
        Path folder = dir.resolve("images");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            BufferedImage png = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            for (int p = 0; p < 784; p++) {
                png.getRaster().setSample(p % 28, p / 28, 0, images.pixels()[i * 784 + p] & 0xff);
            }
            Path file = folder.resolve(FashionMnist.CLASSES.get(images.labels()[i]).replace('/', '-'))
                    .resolve(String.format("%04d.png", i));
            Files.createDirectories(file.getParent());
            ImageIO.write(png, "png", file.toFile());
            names.add(file.toUri().getPath());
        }
        SparkScorer scorer = new SparkScorer(sc, RESNET20, run.resolve(Trainer.CHECKPOINT), 3);
        List<Row> rows = scorer.scoreFolder(spark, folder.toString()).collectAsList();
        assertThat(rows).hasSize(images.size());
        // the same images through the model in this process, in batches of 256
        INDArray all = Transforms.softmax(model.forward(images.batch(java.util.stream.IntStream.range(0, images.size())
                .toArray(), Dataset.Augment.NONE, new SplittableRandom(0)).images(), Mode.EVAL), true);
        int right = 0;
        for (Row r : rows) {
            String path = r.getString(0).replaceFirst("^file:", "");
            int i = Integer.parseInt(path.substring(path.length() - 8, path.length() - 4));
            float[] p = all.getRow(i).toFloatVector();
            List<Integer> indices = r.getList(2);
            List<Float> scores = r.getList(3);
            int best = 0;
            for (int k = 1; k < p.length; k++) {
                best = p[k] > p[best] ? k : best;
            }
            assertThat(indices.get(0)).as(path).isEqualTo(best);
            assertThat(scores.get(0)).as(path).isCloseTo(p[best], org.assertj.core.data.Offset.offset(1e-5f));
            List<String> classes = r.getList(1);
            assertThat(classes.get(0)).isEqualTo(FashionMnist.CLASSES.get(best));
            right += best == images.labels()[i] ? 1 : 0;
        }
        double[] eval = Trainer.evaluate(model, images, 256);
        assertThat((double) right / images.size()).isEqualTo(eval[1]);
    }

    /** Rows of (image bytes, label) from Spark train like the images they encode. */
    @Test
    void rowsOfImagesAndLabelsAreATrainingSet() throws Exception {
        Dataset source = FashionMnist.read(FashionMnist.embedded(), "train").limit(60);
        Path folder = dir.resolve("rows");
        for (int i = 0; i < source.size(); i++) {
            BufferedImage png = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            for (int p = 0; p < 784; p++) {
                png.getRaster().setSample(p % 28, p / 28, 0, source.pixels()[i * 784 + p] & 0xff);
            }
            Path file = folder.resolve("c" + source.labels()[i]).resolve(String.format("%04d.png", i));
            Files.createDirectories(file.getParent());
            ImageIO.write(png, "png", file.toFile());
        }
        org.apache.spark.sql.Dataset<Row> rows = spark.read().format("binaryFile").load(folder + "/*/*.png")
                .withColumn("label", org.apache.spark.sql.functions.regexp_extract(
                        org.apache.spark.sql.functions.col("path"), "/(c[0-9])/[0-9]+\\.png$", 1))
                .withColumn("n", org.apache.spark.sql.functions.regexp_extract(
                        org.apache.spark.sql.functions.col("path"), "([0-9]+)\\.png$", 1).cast("int"))
                .orderBy("n");
        SparkData.Split split = SparkData.fromRows(rows, rows.limit(10), "content", "label", 1, 28,
                source.mean(), source.std());
        assertThat(split.train().size()).isEqualTo(60);
        assertThat(split.test().size()).isEqualTo(10);
        assertThat(split.classNames()).isSorted().allMatch(n -> n.matches("c[0-9]"));
        // ordered by example number: the same pixels and labels as the source
        for (int i = 0; i < 60; i++) {
            assertThat(split.classNames().get(split.train().labels()[i])).isEqualTo("c" + source.labels()[i]);
        }
        assertThat(split.train().pixels()).isEqualTo(source.pixels());
        assertThatThrownBy(() -> SparkData.fromRows(rows.withColumn("label", org.apache.spark.sql.functions.lit(null)
                .cast("string")), rows, "content", "label", 1, 28, source.mean(), source.std()))
                .hasMessage("train row 1: no label");
    }

    private static void assertClose(Map<String, INDArray> actual, Map<String, INDArray> expected, double tolerance,
                                    String what) {
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        expected.forEach((name, e) -> {
            double scale = Math.max(1e-3, e.norm2Number().doubleValue());
            double diff = actual.get(name).sub(e).norm2Number().doubleValue();
            assertThat(diff / scale).as("%s, %s", name, what).isLessThan(tolerance);
        });
    }
}
