package org.netspec.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.train.Trainer;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag;
import scala.runtime.AbstractFunction1;

/**
 * Synchronous data-parallel training on Spark: each epoch is one barrier stage of N tasks
 * (gang-scheduled, all-or-nothing), each task the trainer of its shards of every global batch,
 * gradients summed by a ring all-reduce every step — so N workers compute what one process
 * accumulating the same N shards computes (batch norm per shard, as PyTorch DDP). The driver
 * broadcasts the state at the start of an epoch and takes worker 0's at its end; the
 * {@link Trainer} it serves then writes the checkpoint and metrics exactly as {@code netspec
 * train} does. A failed task fails the stage; Spark runs it again from the same broadcast
 * state, and every draw of randomness depends only on (seed, epoch, step, shard), so the retry
 * computes what the failed attempt would have.
 *
 * <pre>{@code
 * Trainer trainer = new Trainer(model, train, test, config.accumulation(4), out, System.err);
 * try (SparkTrainer spark = new SparkTrainer(sc, 4, ModelFactory.of(ResNet20.class, new int[] {1, 28, 28}, 0),
 *         train, test, System.err)) {
 *     trainer.epochRunner(spark).run(false);
 * }
 * }</pre>
 */
public final class SparkTrainer implements Trainer.EpochRunner, AutoCloseable {
    private final JavaSparkContext sc;
    private final int workers;
    private final ModelFactory factory;
    private final Broadcast<Dataset> train;
    private final Broadcast<Dataset> test;
    private final PrintStream log;
    private int checkEvery = 100;
    private Fault fault;

    /** {@code train} and {@code test} are broadcast once: every executor holds them in memory. */
    public SparkTrainer(JavaSparkContext sc, int workers, ModelFactory factory, Dataset train, Dataset test,
                        PrintStream log) {
        if (workers < 1) {
            throw new IllegalArgumentException("at least one worker, got " + workers);
        }
        // A barrier stage needs a slot per task at once; Spark would retry for minutes before saying so.
        if (sc.master().startsWith("local") && workers > sc.defaultParallelism()) {
            throw new org.netspec.runtime.InputException(workers + " workers need " + workers + " task slots at once,"
                    + " and " + sc.master() + " has " + sc.defaultParallelism() + ": use local[" + workers
                    + "] or fewer workers");
        }
        this.sc = sc;
        this.workers = workers;
        this.factory = factory;
        this.train = sc.broadcast(train);
        this.test = sc.broadcast(test);
        this.log = log;
    }

    /** Steps between the comparisons of the workers' state digests (default 100). */
    public SparkTrainer checkEvery(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("check every 1 or more steps, got " + steps);
        }
        this.checkEvery = steps;
        return this;
    }

    /** For tests of recovery: worker {@code rank} throws after {@code steps} steps of {@code epoch}, in the stage's first attempt only. */
    public record Fault(int epoch, int rank, int steps) implements Serializable {}

    SparkTrainer fault(Fault fault) {
        this.fault = fault;
        return this;
    }

    @Override
    public Trainer.EpochResult run(Trainer trainer, int epoch) throws IOException {
        if (trainer.config().accumulation() % workers != 0) {
            throw new IllegalArgumentException(workers + " workers need a number of sub-batches per step that is a"
                    + " multiple of " + workers + ", the configuration has " + trainer.config().accumulation());
        }
        Broadcast<byte[]> state = sc.broadcast(TensorState.write(trainer.state()));
        try {
            Epoch task = new Epoch(factory, train, test, trainer.config(), state, epoch, checkEvery, fault);
            List<Integer> ranks = IntStream.range(0, workers).boxed().toList();
            ClassTag<byte[]> tag = scala.reflect.ClassTag$.MODULE$.apply(byte[].class);
            sc.setJobDescription("NetSpec: epoch " + (epoch + 1) + " on " + workers + " workers");
            // The shuffle after the barrier stage makes it a shuffle-map stage, which Spark runs again when
            // a task fails (a failed barrier result stage is not retried).
            List<byte[]> results = sc.parallelize(ranks, workers).rdd().barrier().mapPartitions(task, false, tag)
                    .toJavaRDD().repartition(1).collect();
            if (results.size() != 1) {
                throw new IllegalStateException("expected worker 0's result alone, got " + results.size());
            }
            Result result = Result.read(results.get(0));
            trainer.restoreState(TensorState.read(result.state()));
            RingAllReduce.Traffic t = result.traffic();
            long steps = (train.value().size() + trainer.config().batch() - 1) / trainer.config().batch();
            if (t.calls() > 0) {
                log.printf(Locale.ROOT, "epoch %d on %d workers: %.2f MB sent per worker per step, %.1f ms per step in"
                                + " the all-reduce (waiting for the slowest worker included), %.1f ms per step"
                                + " computing%n", epoch + 1, workers, t.bytesSent() / 1e6 / steps,
                        t.nanos() / 1e6 / steps, (result.epoch().epoch().seconds() * 1e9 - t.nanos()) / 1e6 / steps);
            }
            return result.epoch();
        } finally {
            state.destroy();
        }
    }

    @Override
    public void close() {
        train.destroy();
        test.destroy();
    }

    /** What worker 0 sends back: the epoch's figures, the new state and its all-reduce traffic. */
    record Result(Trainer.EpochResult epoch, byte[] state, RingAllReduce.Traffic traffic) implements Serializable {
        byte[] write() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(this);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        static Result read(byte[] bytes) throws IOException {
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
                return (Result) in.readObject();
            } catch (ClassNotFoundException e) {
                throw new IOException(e);
            }
        }
    }

    /** The barrier task: one worker's epoch. */
    static final class Epoch extends AbstractFunction1<Iterator<Integer>, Iterator<byte[]>> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final ModelFactory factory;
        private final Broadcast<Dataset> train;
        private final Broadcast<Dataset> test;
        private final Trainer.Config config;
        private final Broadcast<byte[]> state;
        private final int epoch;
        private final int checkEvery;
        private final Fault fault;

        Epoch(ModelFactory factory, Broadcast<Dataset> train, Broadcast<Dataset> test, Trainer.Config config,
              Broadcast<byte[]> state, int epoch, int checkEvery, Fault fault) {
            this.factory = factory;
            this.train = train;
            this.test = test;
            this.config = config;
            this.state = state;
            this.epoch = epoch;
            this.checkEvery = checkEvery;
            this.fault = fault;
        }

        @Override
        public Iterator<byte[]> apply(Iterator<Integer> partition) {
            BarrierTaskContext context = BarrierTaskContext.get();
            try (RingAllReduce ring = RingAllReduce.connect(context)) {
                Model model = factory.build();
                int rank = ring.rank();
                boolean failing = fault != null && fault.epoch() == epoch && fault.rank() == rank
                        && context.stageAttemptNumber() == 0;
                org.netspec.runtime.train.World world = failing ? new Failing(ring, fault.steps()) : ring;
                PrintStream progress = rank == 0 ? System.err : new PrintStream(OutputStream.nullOutputStream());
                Trainer trainer = new Trainer(model, train.value(), test.value(), config, Path.of("."), progress, world,
                        checkEvery);
                trainer.restoreState(TensorState.read(state.value()));
                Trainer.EpochResult result = trainer.trainEpoch(epoch);
                List<byte[]> out = rank == 0
                        ? List.of(new Result(result, TensorState.write(trainer.state()), ring.traffic()).write())
                        : List.of();
                return JavaConverters.asScalaIterator(out.iterator());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A world whose process dies after some steps: what a lost executor looks like to the others. */
    private record Failing(org.netspec.runtime.train.World world, int steps, int[] calls)
            implements org.netspec.runtime.train.World {
        Failing(org.netspec.runtime.train.World world, int steps) {
            this(world, steps, new int[1]);
        }

        @Override
        public int rank() {
            return world.rank();
        }

        @Override
        public int size() {
            return world.size();
        }

        @Override
        public void allReduce(double[] values) {
            if (calls[0]++ == steps) {
                throw new IllegalStateException("injected fault: worker " + rank() + " fails at step " + (steps + 1));
            }
            world.allReduce(values);
        }

        @Override
        public void verify(long step, java.util.function.Supplier<String> digest) {
            world.verify(step, digest);
        }
    }
}
