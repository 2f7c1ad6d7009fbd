package org.netspec.runtime.train;

import org.netspec.runtime.loss.SoftmaxCrossEntropy;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.io.AtomicFiles;
import org.netspec.runtime.io.SafeTensors;
import org.netspec.runtime.model.Mode;
import org.netspec.runtime.model.Model;

/**
 * Epochs of mini-batch training with evaluation after each, a checkpoint after each (written
 * atomically: weights, batch-norm statistics, optimizer state, position), metrics as CSV, and
 * exact resumption. All randomness — the order of examples, augmentation — is derived from the
 * seed, the epoch and the batch number, so a resumed run draws what an unbroken one would have.
 */
public final class Trainer {
    public static final String CHECKPOINT = "checkpoint.safetensors";
    public static final String METRICS = "metrics.csv";
    /** The checkpoint's metadata key of the training loss and learning rate every {@value #LOG_EVERY} steps. */
    public static final String INTERVALS = "intervals";
    static final String INTERVALS_HEADER = "step,epoch,train_loss,learning_rate";

    /** How to train. {@code optimizer} is {@code sgd} (momentum, Nesterov) or {@code adamw}. */
    public record Config(int epochs, int batch, double learningRate, String optimizer, double momentum, boolean nesterov,
                         double weightDecay, double labelSmoothing, double warmupEpochs, Dataset.Augment augment,
                         long seed) {
        public Config {
            if (epochs < 1 || batch < 1) {
                throw new IllegalArgumentException("epochs and batch must be at least 1, got " + epochs + " and " + batch);
            }
            // written so that NaN fails every test: `NaN <= 0` is false
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("the learning rate must be a positive number, got " + learningRate);
            }
            if (!optimizer.equals("sgd") && !optimizer.equals("adamw")) {
                throw new IllegalArgumentException("optimizer must be sgd or adamw, got '" + optimizer + "'");
            }
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
            }
            if (optimizer.equals("sgd") && nesterov && momentum == 0) {
                throw new IllegalArgumentException("Nesterov momentum needs a momentum above 0 (or turn Nesterov off)");
            }
            if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
                throw new IllegalArgumentException("weight decay must be a number >= 0, got " + weightDecay);
            }
            if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
                throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + labelSmoothing);
            }
            if (!(warmupEpochs >= 0) || !Double.isFinite(warmupEpochs)) {
                throw new IllegalArgumentException("warm-up must be a number of epochs >= 0, got " + warmupEpochs);
            }
        }

        /**
         * The command line's defaults: 1 epoch of batches of 128, SGD with Nesterov momentum 0.9,
         * peak learning rate 0.1 after 0.1 epochs of warm-up then cosine decay, weight decay 5e-4,
         * random crops (padding 2) and flips, seed 0. Change what differs:
         * {@code Config.defaults().epochs(10).batch(64).learningRate(0.05)}.
         */
        public static Config defaults() {
            return new Config(1, 128, 0.1, "sgd", 0.9, true, 5e-4, 0, 0.1, new Dataset.Augment(2, true), 0);
        }

        public Config epochs(int epochs) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed);
        }

        public Config batch(int batch) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed);
        }

        /** The peak of the schedule: linear warm-up to it, then cosine decay to zero. */
        public Config learningRate(double learningRate) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed);
        }

        public Config sgd(double momentum, boolean nesterov) {
            return new Config(epochs, batch, learningRate, "sgd", momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed);
        }

        /** AdamW (beta1 0.9, beta2 0.999), decoupled weight decay. */
        public Config adamW() {
            return new Config(epochs, batch, learningRate, "adamw", momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed);
        }

        public Config weightDecay(double weightDecay) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed);
        }

        public Config labelSmoothing(double labelSmoothing) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed);
        }

        public Config warmupEpochs(double warmupEpochs) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed);
        }

        public Config augment(Dataset.Augment augment) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed);
        }

        /** Seeds shuffling, augmentation and dropout: the same seed, the same run. */
        public Config seed(long seed) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed);
        }

        Optimizer newOptimizer() {
            return optimizer.equals("sgd") ? new Sgd(momentum, nesterov, weightDecay, false)
                    : new AdamW(0.9, 0.999, 1e-8, weightDecay);
        }
    }

    /** A training run stopped because its loss stopped being a number; the message names the step. */
    public static final class Diverged extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Diverged(String message) {
            super(message);
        }
    }

    /** One epoch's figures. */
    public record Epoch(int epoch, double trainLoss, double trainAccuracy, double testLoss, double top1, double top5,
                        double imagesPerSecond, double seconds, double learningRate) {
        static final String HEADER = "epoch,train_loss,train_accuracy,test_loss,test_top1,test_top5,images_per_s,seconds,learning_rate";

        String csv() {
            return String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.1f,%.1f,%.6g", epoch, trainLoss, trainAccuracy,
                    testLoss, top1, top5, imagesPerSecond, seconds, learningRate);
        }
    }

    private static final WorkspaceConfiguration UPDATE = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.2)
            .policyLearning(LearningPolicy.FIRST_LOOP).build();

    private final Model model;
    private final Dataset train;
    private final Dataset test;
    private final Config config;
    private final Path out;
    private final PrintStream progress;
    private final Optimizer optimizer;
    private final Schedule schedule;
    private final long stepsPerEpoch;

    /** Label names, in label order, kept in the checkpoint; by default the labels' numbers. */
    private List<String> classNames;

    /** Names the classes (label 0 first), so that checkpoints and predictions can show them. */
    public Trainer classNames(List<String> names) {
        if (names.size() != train.classes()) {
            throw new IllegalArgumentException(names.size() + " class names for " + train.classes() + " classes");
        }
        this.classNames = List.copyOf(names);
        return this;
    }

    public Trainer(Model model, Dataset train, Dataset test, Config config, Path out, PrintStream progress) {
        this.model = model;
        this.train = train;
        this.classNames = java.util.stream.IntStream.range(0, train.classes()).mapToObj(String::valueOf).toList();
        this.test = test;
        this.config = config;
        this.out = out;
        this.progress = progress;
        this.optimizer = config.newOptimizer();
        this.stepsPerEpoch = (train.size() + config.batch() - 1) / config.batch();
        this.schedule = Schedule.warmupCosine(config.learningRate(), Math.round(config.warmupEpochs() * stepsPerEpoch),
                stepsPerEpoch * config.epochs());
    }

    /** Trains the remaining epochs; with {@code resume}, continues from the checkpoint in the output folder. */
    public List<Epoch> run(boolean resume) throws IOException {
        return run(resume, config.epochs());
    }

    /**
     * Like {@link #run(boolean)}, but stops after epoch {@code until} (of the configured total,
     * which still shapes the learning-rate schedule): an interrupted run, to resume later.
     */
    public List<Epoch> run(boolean resume, int until) throws IOException {
        Files.createDirectories(out);
        try (OutputLock lock = OutputLock.take(out)) {
            removeStaleTemporaries();
            TrainingCheckpoint.Identity identity = TrainingCheckpoint.Identity.of(model, config, train, test,
                    classNames);
            int start = 0;
            List<String> metrics = new ArrayList<>();
            intervals.clear();
            if (resume) {
                Path file = out.resolve(CHECKPOINT);
                if (!Files.isRegularFile(file)) {
                    throw new IOException("cannot resume: no " + CHECKPOINT + " in " + out);
                }
                TrainingCheckpoint.Restored restored = TrainingCheckpoint.restore(file, model, optimizer, identity);
                start = restored.epochsDone();
                // the rows live in the checkpoint: a kill between its rename and the CSV's loses none
                metrics.addAll(restored.metrics().lines().toList());
                intervals.addAll(restored.intervals().lines().toList());
            }
            if (metrics.isEmpty()) {
                metrics.add(Epoch.HEADER);
            }
            if (intervals.isEmpty()) {
                intervals.add(INTERVALS_HEADER);
            }
            writeAtomically(out.resolve(METRICS), String.join("\n", metrics) + "\n");
            List<Epoch> results = new ArrayList<>();
            for (int epoch = start; epoch < Math.min(until, config.epochs()); epoch++) {
                Epoch e = epoch(epoch);
                results.add(e);
                metrics.add(e.csv());
                String csv = String.join("\n", metrics) + "\n";
                TrainingCheckpoint.save(out.resolve(CHECKPOINT), model, optimizer, identity, epoch + 1, csv,
                        String.join("\n", intervals) + "\n");
                writeAtomically(out.resolve(METRICS), csv);
                progress.printf(Locale.ROOT, "epoch %d/%d: loss %.4f, train accuracy %.2f%%, test loss %.4f, top-1 %.2f%%,"
                                + " top-5 %.2f%%, %.0f images/s, %.0f s%n", e.epoch(), config.epochs(), e.trainLoss(),
                        100 * e.trainAccuracy(), e.testLoss(), 100 * e.top1(), 100 * e.top5(), e.imagesPerSecond(),
                        e.seconds());
            }
            return results;
        }
    }

    /** Temporary files of a write that a kill interrupted: never read, so removed. */
    private void removeStaleTemporaries() throws IOException {
        try (var files = Files.list(out)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                if ((n.startsWith("." + METRICS) || n.startsWith("." + CHECKPOINT + ".")) && n.endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Rows of {@link #INTERVALS_HEADER}: the training loss within each interval of steps, for the curves. */
    private final List<String> intervals = new ArrayList<>();

    private Epoch epoch(int epoch) {
        long started = System.nanoTime();
        double intervalLoss = 0;
        long intervalSeen = 0;
        int[] order = train.shuffled(config.seed(), epoch);
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        double lr = 0;
        for (long b = 0; b < stepsPerEpoch; b++) {
            int from = (int) (b * config.batch());
            int[] indices = java.util.Arrays.copyOfRange(order, from, Math.min(order.length, from + config.batch()));
            SplittableRandom random = new SplittableRandom(config.seed() ^ ((long) epoch << 32) ^ (b * 0xBF58476D1CE4E5B9L));
            Dataset.Batch batch = train.batch(indices, config.augment(), random);
            // dropout masks from (seed, step) alone, so that a resumed run draws the same ones
            long step = epoch * stepsPerEpoch + b;
            Model.Gradients g = model.gradients(batch.images(), batch.labels(), config.labelSmoothing(),
                    config.seed() * 0x9E3779B97F4A7C15L + step);
            if (!Double.isFinite(g.loss())) {
                // stop before the update: the weights of the last good step stay, the checkpoint is untouched
                throw new Diverged("epoch " + (epoch + 1) + ", step " + (b + 1) + " of " + stepsPerEpoch + " (step "
                        + (step + 1) + " of the run): the loss is " + g.loss() + "; training stopped, the last "
                        + CHECKPOINT + " in " + out + " (if any) is kept; a lower --lr or more warm-up may help");
            }
            lr = schedule.at(step);
            // The update's temporaries reuse one workspace; parameters and buffers live outside it.
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(UPDATE, "netspec-update")) {
                optimizer.step(model.parameters().parameters(), g.gradients(), lr);
            }
            model.parameters().touch();
            lossSum += g.loss() * indices.length;
            intervalLoss += g.loss() * indices.length;
            intervalSeen += indices.length;
            if ((b + 1) % LOG_EVERY == 0 || b + 1 == stepsPerEpoch) {
                intervals.add(String.format(Locale.ROOT, "%d,%.4f,%.6f,%.6g", step + 1,
                        epoch + (double) (b + 1) / stepsPerEpoch, intervalLoss / intervalSeen, lr));
                intervalLoss = 0;
                intervalSeen = 0;
            }
            correct += Metrics.correct(g.logits(), batch.labels(), 1);
            seen += indices.length;
            double elapsed = (System.nanoTime() - started) / 1e9;
            bar(epoch + 1, b + 1, lossSum / seen, (double) correct / seen, seen / elapsed);
        }
        if (TERMINAL) {
            progress.print("\r" + " ".repeat(100) + "\r");
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double[] eval = evaluate(model, test, 256);
        return new Epoch(epoch + 1, lossSum / seen, (double) correct / seen, eval[0], eval[1], eval[2], seen / seconds,
                seconds, lr);
    }

    /** A bar redrawn in place on a terminal; in a log (CI, a file) one plain line every 20 steps instead. */
    private static final boolean TERMINAL = System.console() != null;
    private static final int LOG_EVERY = 20;

    private void bar(int epoch, long step, double loss, double accuracy, double imagesPerSecond) {
        if (!TERMINAL) {
            if (step % LOG_EVERY == 0 || step == stepsPerEpoch) {
                progress.printf(Locale.ROOT, "epoch %d/%d step %d/%d loss %.4f acc %.2f%% %.0f img/s%n", epoch,
                        config.epochs(), step, stepsPerEpoch, loss, 100 * accuracy, imagesPerSecond);
            }
            return;
        }
        int width = 30;
        int filled = (int) (width * step / stepsPerEpoch);
        progress.printf(Locale.ROOT, "\repoch %d/%d [%s%s] %d/%d loss %.4f acc %.2f%% %.0f img/s", epoch, config.epochs(),
                "=".repeat(filled), " ".repeat(width - filled), step, stepsPerEpoch, loss, 100 * accuracy, imagesPerSecond);
        progress.flush();
    }

    /** Mean loss, top-1 and top-5 accuracy in evaluation mode. */
    public static double[] evaluate(Model model, Dataset data, int batchSize) {
        double lossSum = 0;
        long top1 = 0;
        long top5 = 0;
        for (int from = 0; from < data.size(); from += batchSize) {
            int[] indices = new int[Math.min(batchSize, data.size() - from)];
            for (int i = 0; i < indices.length; i++) {
                indices[i] = from + i;
            }
            Dataset.Batch batch = data.batch(indices, Dataset.Augment.NONE, new SplittableRandom(0));
            INDArray logits = model.forward(batch.images(), Mode.EVAL);
            lossSum += SoftmaxCrossEntropy.of(logits, batch.labels(), 0).loss() * indices.length;
            top1 += Metrics.correct(logits, batch.labels(), 1);
            top5 += Metrics.correct(logits, batch.labels(), Math.min(5, (int) logits.size(1)));
        }
        return new double[] {lossSum / data.size(), (double) top1 / data.size(), (double) top5 / data.size()};
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        AtomicFiles.write(file, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
