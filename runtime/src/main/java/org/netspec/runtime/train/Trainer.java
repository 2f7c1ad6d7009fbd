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
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.io.AtomicFiles;
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

    /**
     * How to train. {@code optimizer} is {@code sgd} (momentum, Nesterov) or {@code adamw}.
     * {@code batch} is the global batch of one step; with {@code accumulation} N its gradient is
     * the size-weighted mean of N sub-batches' gradients (contiguous shards of the batch), each
     * normalised by batch norm on its own, with the running statistics moved by their mean — the
     * arithmetic of N data-parallel workers (PyTorch DDP), and a large batch on small memory.
     */
    public record Config(int epochs, int batch, double learningRate, String optimizer, double momentum, boolean nesterov,
                         double weightDecay, double labelSmoothing, double warmupEpochs, Dataset.Augment augment,
                         long seed, int accumulation) implements java.io.Serializable {
        public Config {
            if (epochs < 1 || batch < 1) {
                throw new IllegalArgumentException("epochs and batch must be at least 1, got " + epochs + " and " + batch);
            }
            if (accumulation < 1 || accumulation > batch) {
                throw new IllegalArgumentException("gradient accumulation needs 1 to batch (" + batch
                        + ") sub-batches, got " + accumulation);
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

        /** Without gradient accumulation. */
        public Config(int epochs, int batch, double learningRate, String optimizer, double momentum, boolean nesterov,
                      double weightDecay, double labelSmoothing, double warmupEpochs, Dataset.Augment augment,
                      long seed) {
            this(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing, warmupEpochs,
                    augment, seed, 1);
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
                    warmupEpochs, augment, seed, accumulation);
        }

        public Config batch(int batch) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed, accumulation);
        }

        /** The peak of the schedule: linear warm-up to it, then cosine decay to zero. */
        public Config learningRate(double learningRate) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed, accumulation);
        }

        public Config sgd(double momentum, boolean nesterov) {
            return new Config(epochs, batch, learningRate, "sgd", momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed, accumulation);
        }

        /** AdamW (beta1 0.9, beta2 0.999), decoupled weight decay. */
        public Config adamW() {
            return new Config(epochs, batch, learningRate, "adamw", momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed, accumulation);
        }

        public Config weightDecay(double weightDecay) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed, accumulation);
        }

        public Config labelSmoothing(double labelSmoothing) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed, accumulation);
        }

        public Config warmupEpochs(double warmupEpochs) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed, accumulation);
        }

        public Config augment(Dataset.Augment augment) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed, accumulation);
        }

        /** Seeds shuffling, augmentation and dropout: the same seed, the same run. */
        public Config seed(long seed) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed, accumulation);
        }

        /** Each step's gradient from {@code subBatches} shards of the batch (see the class comment). */
        public Config accumulation(int subBatches) {
            return new Config(epochs, batch, learningRate, optimizer, momentum, nesterov, weightDecay, labelSmoothing,
                    warmupEpochs, augment, seed, subBatches);
        }

        /** A new optimizer in its initial state, as this configuration describes it. */
        public Optimizer newOptimizer() {
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
                        double imagesPerSecond, double seconds, double learningRate) implements java.io.Serializable {
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
    private final World world;
    /** Steps between two {@link World#verify} calls. */
    private final int checkEvery;
    private EpochRunner runner;

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
        this(model, train, test, config, out, progress, World.SINGLE, 100);
    }

    /**
     * A trainer that is one process of {@code world}: it computes the shards {@code k} of each
     * batch with {@code k % world.size() == world.rank()} and sums gradients through the world;
     * with more than one process, the world compares their states every {@code checkEvery} steps.
     */
    public Trainer(Model model, Dataset train, Dataset test, Config config, Path out, PrintStream progress, World world,
                   int checkEvery) {
        if (config.accumulation() % world.size() != 0) {
            throw new IllegalArgumentException(world.size() + " processes cannot share " + config.accumulation()
                    + " sub-batches per step: the number of sub-batches must be a multiple of the processes");
        }
        this.model = model;
        this.train = train;
        this.classNames = java.util.stream.IntStream.range(0, train.classes()).mapToObj(String::valueOf).toList();
        this.test = test;
        this.config = config;
        this.out = out;
        this.progress = progress;
        this.world = world;
        this.checkEvery = checkEvery;
        this.optimizer = config.newOptimizer();
        this.stepsPerEpoch = (train.size() + config.batch() - 1) / config.batch();
        this.schedule = Schedule.warmupCosine(config.learningRate(), Math.round(config.warmupEpochs() * stepsPerEpoch),
                stepsPerEpoch * config.epochs());
    }

    /** A step's running figures within its epoch (means over the epoch's steps so far). */
    public record Step(int epoch, long step, long stepsPerEpoch, double loss, double accuracy, double imagesPerSecond,
                       double learningRate) {}

    /**
     * Follows a run: {@link #step} after every training step (on this process; with a cluster's
     * {@link EpochRunner} the steps happen elsewhere and only epochs are seen), {@link #epoch} after
     * every epoch, once its checkpoint and metrics are written.
     */
    public interface Listener {
        default void step(Step step) {}

        default void epoch(Epoch epoch) {}
    }

    private final List<Listener> listeners = new ArrayList<>();

    /** Adds a listener: progress bars, metrics to a tracking server, early stopping by throwing. */
    public Trainer listener(Listener listener) {
        listeners.add(java.util.Objects.requireNonNull(listener));
        return this;
    }

    /** One epoch's figures and its rows of {@link #INTERVALS_HEADER} (without the header). */
    public record EpochResult(Epoch epoch, List<String> intervals) implements java.io.Serializable {}

    /**
     * Computes epochs somewhere else — on a cluster — for {@link #run}, which still writes the
     * checkpoints and metrics: {@code run} must leave the new weights, statistics and optimizer
     * state in {@link #state()} (through {@link #restoreState}).
     */
    public interface EpochRunner {
        EpochResult run(Trainer trainer, int epoch) throws IOException;
    }

    /** Lets {@code runner} compute the epochs of {@link #run}. */
    public Trainer epochRunner(EpochRunner runner) {
        this.runner = runner;
        return this;
    }

    public Model model() {
        return model;
    }

    public Config config() {
        return config;
    }

    /** The weights, statistics and optimizer state (under {@code optimizer/}), live, as a checkpoint holds them. */
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new LinkedHashMap<>(model.parameters().all());
        optimizer.state().forEach((k, v) -> state.put(TrainingCheckpoint.OPTIMIZER_PREFIX + k, v));
        return state;
    }

    /** Sets what {@link #state()} returns from a copy of it (of this model and configuration). */
    public void restoreState(Map<String, INDArray> state) {
        Map<String, INDArray> targets = model.parameters().all();
        Map<String, INDArray> optimizerState = new LinkedHashMap<>();
        state.forEach((name, value) -> {
            if (name.startsWith(TrainingCheckpoint.OPTIMIZER_PREFIX)) {
                optimizerState.put(name.substring(TrainingCheckpoint.OPTIMIZER_PREFIX.length()), value);
            } else if (targets.containsKey(name)) {
                targets.get(name).assign(value);
            } else {
                throw new IllegalArgumentException("the model has no tensor " + name);
            }
        });
        optimizer.restore(optimizerState);
        model.parameters().touch();
    }

    /** SHA-256 of {@link #state()}: equal on processes that hold the same state, bit for bit. */
    public String stateDigest() {
        return TrainingCheckpoint.digest(state());
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
                EpochResult r = runner == null ? trainEpoch(epoch) : runner.run(this, epoch);
                Epoch e = r.epoch();
                intervals.addAll(r.intervals());
                results.add(e);
                metrics.add(e.csv());
                String csv = String.join("\n", metrics) + "\n";
                TrainingCheckpoint.save(out.resolve(CHECKPOINT), model, optimizer, identity, epoch + 1, csv,
                        String.join("\n", intervals) + "\n");
                writeAtomically(out.resolve(METRICS), csv);
                listeners.forEach(l -> l.epoch(e));
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

    /** What one step of this process contributes: loss and correct predictions summed over its examples. */
    private record StepSums(double lossSum, long correct) {}

    /**
     * Trains epoch {@code epoch} (0-based) here, as this process of the world, from the current
     * state; writes nothing. {@link #run} calls it unless an {@link EpochRunner} is set.
     */
    public EpochResult trainEpoch(int epoch) {
        long started = System.nanoTime();
        List<String> rows = new ArrayList<>();
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
            long step = epoch * stepsPerEpoch + b;
            lr = schedule.at(step);
            StepSums sums = step(epoch, b, step, indices, lr);
            lossSum += sums.lossSum();
            intervalLoss += sums.lossSum();
            intervalSeen += indices.length;
            if ((b + 1) % LOG_EVERY == 0 || b + 1 == stepsPerEpoch) {
                rows.add(String.format(Locale.ROOT, "%d,%.4f,%.6f,%.6g", step + 1,
                        epoch + (double) (b + 1) / stepsPerEpoch, intervalLoss / intervalSeen, lr));
                intervalLoss = 0;
                intervalSeen = 0;
            }
            correct += sums.correct();
            seen += indices.length;
            if (world.size() > 1 && (step + 1) % checkEvery == 0) {
                world.verify(step + 1, this::stateDigest);
            }
            if (world.rank() == 0) {
                double elapsed = (System.nanoTime() - started) / 1e9;
                bar(epoch + 1, b + 1, lossSum / seen, (double) correct / seen, seen / elapsed);
                if (!listeners.isEmpty()) {
                    Step s = new Step(epoch + 1, b + 1, stepsPerEpoch, lossSum / seen, (double) correct / seen,
                            seen / elapsed, lr);
                    listeners.forEach(l -> l.step(s));
                }
            }
        }
        if (TERMINAL && world.rank() == 0) {
            progress.print("\r" + " ".repeat(100) + "\r");
        }
        long done = (epoch + 1) * stepsPerEpoch;
        if (world.size() > 1 && done % checkEvery != 0) { // the state every checkpoint is made from
            world.verify(done, this::stateDigest);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double[] eval = evaluate(model, test, 256, world);
        return new EpochResult(new Epoch(epoch + 1, lossSum / seen, (double) correct / seen, eval[0], eval[1], eval[2],
                seen / seconds, seconds, lr), rows);
    }

    /**
     * One step over the global batch {@code indices}: this process's shards, their gradients
     * weighted by shard size and summed through the world, then the update. All randomness of a
     * shard comes from (seed, epoch, step, shard), so any process computing it draws the same.
     */
    private StepSums step(int epoch, long b, long step, int[] indices, double lr) {
        int shards = config.accumulation();
        if (shards == 1 && world.size() == 1) {
            // the plain step: no copies of gradients or statistics
            SplittableRandom random = new SplittableRandom(batchSeed(epoch, b, 0));
            Dataset.Batch batch = train.batch(indices, config.augment(), random);
            // dropout masks from (seed, step) alone, so that a resumed run draws the same ones
            Model.Gradients g = model.gradients(batch.images(), batch.labels(), config.labelSmoothing(), passSeed(step, 0));
            requireFinite(g.loss(), epoch, b, step);
            update(g.gradients(), lr);
            free(g.gradients());
            return new StepSums(g.loss() * indices.length, Metrics.correct(g.logits(), batch.labels(), 1));
        }
        Map<String, INDArray> params = model.parameters().parameters();
        Map<String, INDArray> stats = model.parameters().state();
        Map<String, INDArray> before = new LinkedHashMap<>();
        stats.forEach((k, v) -> before.put(k, v.dup()));
        // float64 sums of float32 terms: exact in all but rare cases, so independent of the order of addition
        Map<String, INDArray> gradSum = new LinkedHashMap<>();
        params.forEach((k, v) -> gradSum.put(k, Nd4j.zeros(DataType.DOUBLE, v.shape())));
        Map<String, INDArray> statSum = new LinkedHashMap<>();
        stats.forEach((k, v) -> statSum.put(k, Nd4j.zeros(DataType.DOUBLE, v.shape())));
        double lossSum = 0;
        long correct = 0;
        for (int k = world.rank(); k < shards; k += world.size()) {
            int from = (int) ((long) k * indices.length / shards);
            int to = (int) ((long) (k + 1) * indices.length / shards);
            stats.forEach((name, v) -> v.assign(before.get(name)));
            if (to > from) {
                int[] shard = java.util.Arrays.copyOfRange(indices, from, to);
                Dataset.Batch batch = train.batch(shard, config.augment(), new SplittableRandom(batchSeed(epoch, b, k)));
                Model.Gradients g = model.gradients(batch.images(), batch.labels(), config.labelSmoothing(),
                        passSeed(step, k));
                double weight = (double) shard.length / indices.length;
                g.gradients().forEach((name, grad) -> gradSum.get(name).addi(grad.mul(weight).castTo(DataType.DOUBLE)));
                free(g.gradients());
                lossSum += g.loss() * shard.length;
                correct += Metrics.correct(g.logits(), batch.labels(), 1);
            }
            // an empty shard (a last batch smaller than the shards) leaves the statistics as they were
            stats.forEach((name, v) -> statSum.get(name).addi(v.div(shards).castTo(DataType.DOUBLE)));
        }
        if (world.size() > 1) {
            double[] flat = Flat.pack(gradSum, statSum, lossSum, correct);
            world.allReduce(flat);
            double[] scalars = Flat.unpack(flat, gradSum, statSum);
            lossSum = scalars[0];
            correct = Math.round(scalars[1]);
        }
        requireFinite(lossSum, epoch, b, step);
        stats.forEach((name, v) -> v.assign(statSum.get(name).castTo(v.dataType())));
        Map<String, INDArray> gradients = new LinkedHashMap<>();
        gradSum.forEach((name, sum) -> gradients.put(name, sum.castTo(params.get(name).dataType())));
        update(gradients, lr);
        return new StepSums(lossSum, correct);
    }

    /**
     * Frees a step's gradients now instead of when the garbage collector gets to them: 100 MB a
     * step for ResNet-50, which the collector, seeing only small Java objects, would let pile up.
     */
    private static void free(Map<String, INDArray> gradients) {
        gradients.values().forEach(a -> {
            if (a.closeable()) {
                a.close();
            }
        });
    }

    private void update(Map<String, INDArray> gradients, double lr) {
        // The update's temporaries reuse one workspace; parameters and buffers live outside it.
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(UPDATE, "netspec-update")) {
            optimizer.step(model.parameters().parameters(), gradients, lr);
        }
        model.parameters().touch();
    }

    private void requireFinite(double loss, int epoch, long b, long step) {
        if (!Double.isFinite(loss)) {
            // stop before the update: the weights of the last good step stay, the checkpoint is untouched
            throw new Diverged("epoch " + (epoch + 1) + ", step " + (b + 1) + " of " + stepsPerEpoch + " (step "
                    + (step + 1) + " of the run): the loss is " + loss + "; training stopped, the last "
                    + CHECKPOINT + " in " + out + " (if any) is kept; a lower --lr or more warm-up may help");
        }
    }

    /** Augmentation of shard {@code k} of batch {@code b}; shard 0 draws what an unsharded batch did. */
    private long batchSeed(int epoch, long b, int k) {
        return config.seed() ^ ((long) epoch << 32) ^ (b * 0xBF58476D1CE4E5B9L) ^ (k * 0x94D049BB133111EBL);
    }

    /** Dropout masks of shard {@code k} at {@code step}. */
    private long passSeed(long step, int k) {
        return config.seed() * 0x9E3779B97F4A7C15L + step + k * 0xD6E8FEB86659FD93L;
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
        return evaluate(model, data, batchSize, World.SINGLE);
    }

    /** {@link #evaluate(Model, Dataset, int)} with each process of {@code world} on its slice of {@code data}. */
    public static double[] evaluate(Model model, Dataset data, int batchSize, World world) {
        int first = (int) ((long) world.rank() * data.size() / world.size());
        int last = (int) ((long) (world.rank() + 1) * data.size() / world.size());
        double lossSum = 0;
        long top1 = 0;
        long top5 = 0;
        for (int from = first; from < last; from += batchSize) {
            int[] indices = new int[Math.min(batchSize, last - from)];
            for (int i = 0; i < indices.length; i++) {
                indices[i] = from + i;
            }
            Dataset.Batch batch = data.batch(indices, Dataset.Augment.NONE, new SplittableRandom(0));
            INDArray logits = model.forward(batch.images(), Mode.EVAL);
            lossSum += SoftmaxCrossEntropy.of(logits, batch.labels(), 0).loss() * indices.length;
            top1 += Metrics.correct(logits, batch.labels(), 1);
            top5 += Metrics.correct(logits, batch.labels(), Math.min(5, (int) logits.size(1)));
        }
        if (world.size() > 1) {
            double[] sums = {lossSum, top1, top5};
            world.allReduce(sums);
            lossSum = sums[0];
            top1 = Math.round(sums[1]);
            top5 = Math.round(sums[2]);
        }
        return new double[] {lossSum / data.size(), (double) top1 / data.size(), (double) top5 / data.size()};
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        AtomicFiles.write(file, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
