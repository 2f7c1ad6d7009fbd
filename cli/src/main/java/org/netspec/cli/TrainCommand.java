package org.netspec.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a model of any spec on a data set: SGD (Nesterov) or AdamW, linear warm-up + cosine,",
                "evaluation and an atomic checkpoint after every epoch, metrics.csv and curves.png in --out."})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions target;

    @Option(names = "--data", required = true, paramLabel = "DATA",
            description = "fashion-mnist[:DIR], cifar10:DIR or folder:DIR[:SIZE] (DIR/train, DIR/test)")
    String data;

    @Option(names = "--channels", paramLabel = "C",
            description = "decode image folders to C channels (1: grey, 3: RGB; default: the model's)")
    Integer channels;

    @Option(names = "--size", paramLabel = "N", description = "scale image folders to NxN (default: the model's size)")
    Integer size;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "checkpoint, metrics.csv, curves.png")
    Path out;

    @Option(names = "--epochs", defaultValue = "1", description = "default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--batch", defaultValue = "128", description = "default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--lr", defaultValue = "0.1", description = "peak learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--optimizer", defaultValue = "sgd", description = "sgd or adamw (default: ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--momentum", defaultValue = "0.9", description = "default: ${DEFAULT-VALUE}")
    double momentum;

    @Option(names = "--no-nesterov", negatable = false, description = "plain momentum instead of Nesterov")
    boolean noNesterov;

    @Option(names = "--weight-decay", defaultValue = "5e-4", description = "default: ${DEFAULT-VALUE}")
    double weightDecay;

    @Option(names = "--label-smoothing", defaultValue = "0", description = "default: ${DEFAULT-VALUE}")
    double labelSmoothing;

    @Option(names = "--warmup", defaultValue = "0.1", description = "warm-up in epochs (default: ${DEFAULT-VALUE})")
    double warmup;

    @Option(names = "--augment", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "random crops (padding 2) and horizontal flips (default: ${DEFAULT-VALUE})")
    boolean augment;

    @Option(names = "--limit", description = "train on the first N examples only")
    Integer limit;

    @Option(names = "--seed", defaultValue = "0", description = "default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--resume", description = "continue from the checkpoint in --out")
    boolean resume;

    @Option(names = "--accumulate", defaultValue = "1", paramLabel = "N",
            description = "each step's gradient from N sub-batches of --batch (per worker with --spark), batch norm"
                    + " per sub-batch (default: ${DEFAULT-VALUE})")
    int accumulate;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "train on Apache Spark: local[N] or a cluster URL (needs the netspec-spark module)")
    String sparkMaster;

    @Option(names = "--workers", paramLabel = "N",
            description = "Spark barrier tasks, each on its shard of every batch (default: the cores of local[N], else 2)")
    Integer workers;

    @Override
    public Integer call() throws Exception {
        if (limit != null && limit < 1) {
            spec.commandLine().getErr().println("netspec train: --limit must be at least 1, got " + limit);
            return 1;
        }
        PrintWriter err = spec.commandLine().getErr();
        ModelOptions.Fitted fitted = target.fit("train", data, channels, size, seed, err);
        if (fitted == null) {
            return 1;
        }
        DataSpec sets = fitted.sets();
        Dataset train = limit == null ? sets.train() : sets.train().limit(limit);
        Model net = fitted.net();
        if (net.outputShape().rank() != 1 || net.outputShape().channels() != train.classes()) {
            err.println("netspec train: " + net.name() + " outputs " + net.outputShape() + " but " + train.name() + " has "
                    + train.classes() + " classes");
            return 1;
        }
        int processes = sparkMaster == null ? 1 : workers != null ? workers : localCores(sparkMaster);
        if (processes < 1 || accumulate < 1) {
            err.println("netspec train: --workers and --accumulate must be at least 1");
            return 1;
        }
        if (workers != null && sparkMaster == null) {
            err.println("netspec train: --workers needs --spark MASTER");
            return 1;
        }
        Trainer.Config config;
        try {
            config = new Trainer.Config(epochs, batch, lr, optimizer, momentum, !noNesterov, weightDecay, labelSmoothing,
                    warmup, augment ? new Dataset.Augment(2, true) : Dataset.Augment.NONE, seed, processes * accumulate);
        } catch (IllegalArgumentException e) {
            err.println("netspec train: " + e.getMessage());
            return 1;
        }
        spec.commandLine().getOut().printf("training %s (%,d parameters) on %s: %,d training and %,d test images%n",
                net.name(), net.parameterCount(), train.name(), train.size(), sets.test().size());
        spec.commandLine().getOut().flush();
        Trainer trainer = new Trainer(net, train, sets.test(), config, out, new PrintStream(System.err, true))
                .classNames(sets.classNames());
        SparkSupport.Session session = null;
        try {
            if (sparkMaster != null) {
                SparkSupport spark = sparkSupport();
                if (spark == null) {
                    err.println("netspec train: --spark needs the netspec-spark module and Apache Spark on the class"
                            + " path (build it: mvn -q install -DskipTests; ./netspec then finds spark/target)");
                    return 1;
                }
                ModelRecipe recipe = new ModelRecipe(target.specFile.toAbsolutePath().toString(),
                        target.modelCall(err), sets.shape(), seed);
                session = spark.train(sparkMaster, processes, recipe, train, sets.test(), new PrintStream(System.err, true));
                trainer.epochRunner(session);
            }
            trainer.run(resume);
        } catch (java.io.IOException | Trainer.Diverged e) {
            err.println("netspec train: " + e.getMessage());
            return 1;
        } finally {
            if (session != null) {
                session.close();
            }
        }
        plot(out.resolve(Trainer.CHECKPOINT), out.resolve(Trainer.METRICS), out.resolve("curves.png"));
        spec.commandLine().getOut().printf("wrote %s, %s and curves.png to %s%n", Trainer.CHECKPOINT, Trainer.METRICS, out);
        return 0;
    }

    /** The module netspec-spark, if it is on the class path. */
    static SparkSupport sparkSupport() {
        return java.util.ServiceLoader.load(SparkSupport.class).findFirst().orElse(null);
    }

    /** N of {@code local[N]} or {@code local[N,F]}; 2 for {@code local[*]} and cluster URLs (say --workers). */
    static int localCores(String master) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("local\\[(\\d+)(,\\d+)?]").matcher(master);
        return m.matches() ? Integer.parseInt(m.group(1)) : master.equals("local") ? 1 : 2;
    }

    /**
     * Three panels, one above the other: the training loss every 20 steps (and each epoch's mean),
     * test top-1 accuracy in percent by epoch, and the learning rate — so that even one epoch is a
     * curve. Read from the checkpoint (the intervals) and metrics.csv (the epochs).
     */
    static void plot(Path checkpoint, Path csv, Path png) throws java.io.IOException {
        List<Double> epochs = new ArrayList<>();
        List<Double> loss = new ArrayList<>();
        List<Double> top1 = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            epochs.add(Double.parseDouble(f[0]));
            loss.add(Double.parseDouble(f[1]));
            top1.add(100 * Double.parseDouble(f[4]));
        }
        List<Double> at = new ArrayList<>();
        List<Double> intervalLoss = new ArrayList<>();
        List<Double> lr = new ArrayList<>();
        String intervals;
        try (var in = org.netspec.runtime.io.SafeTensors.open(checkpoint)) {
            intervals = in.metadata().getOrDefault(Trainer.INTERVALS, "");
        }
        intervals.lines().skip(1).map(l -> l.split(",")).forEach(f -> {
            at.add(Double.parseDouble(f[1]));
            intervalLoss.add(Double.parseDouble(f[2]));
            lr.add(Double.parseDouble(f[3]));
        });
        XYChart lossChart = chart("Training loss", "loss");
        if (!at.isEmpty()) {
            lossChart.addSeries("every 20 steps", at, intervalLoss).setMarker(SeriesMarkers.NONE);
        }
        lossChart.addSeries("epoch mean", epochs, loss);
        XYChart accuracy = chart("Test accuracy", "top-1 (%)");
        accuracy.addSeries("test top-1", epochs, top1);
        accuracy.getStyler().setYAxisDecimalPattern("0.0");
        XYChart rate = chart("Learning rate", "learning rate");
        if (!at.isEmpty()) {
            rate.addSeries("learning rate", at, lr).setMarker(SeriesMarkers.NONE);
        }
        BitmapEncoder.saveBitmap(List.of(lossChart, accuracy, rate), 3, 1, png.toString(),
                BitmapEncoder.BitmapFormat.PNG);
    }

    private static XYChart chart(String title, String y) {
        return new XYChartBuilder().width(800).height(300).title(title).xAxisTitle("epoch").yAxisTitle(y).build();
    }
}
