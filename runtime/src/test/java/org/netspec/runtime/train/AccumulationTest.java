package org.netspec.runtime.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.model.BatchNorm;
import org.netspec.runtime.model.Conv;
import org.netspec.runtime.model.Dense;
import org.netspec.runtime.model.Init;
import org.netspec.runtime.model.Mean;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.model.Padding;
import org.netspec.runtime.model.Shape;
import org.netspec.runtime.model.Size;
import org.netspec.runtime.model.TestLayers;

/**
 * Gradient accumulation and data-parallel processes compute one thing: N processes of a world
 * (here threads with a shared-memory all-reduce) equal one process accumulating the same N
 * shards; and without batch norm, N shards equal the whole batch.
 */
class AccumulationTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path dir;

    /** conv -> (batch norm) -> relu -> mean -> dense, on 1x12x12 images of 4 classes. */
    static final class Net extends Model {
        Net(boolean norm) {
            super("Net", Shape.of(1, 12, 12), 5, (b, x) -> {
                Conv conv = b.conv("conv", x, 6, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 1, !norm);
                BatchNorm bn = norm ? b.batchnorm("bn", conv.output(), 0.1, 1e-5, Init.ONES, false) : null;
                Mean mean = b.mean("mean", conv.output(), "spatial", false);
                Dense fc = b.dense("fc", mean.output(), 4, true);
                return TestLayers.of("", fc.output(), (in, ctx) -> {
                    INDArray y = conv.forward(in, ctx);
                    y = ctx.relu(bn == null ? y : bn.forward(y, ctx));
                    return fc.forward(mean.forward(y, ctx), ctx);
                });
            });
        }
    }

    static Dataset data(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] pixels = new byte[n * 144];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(4);
            for (int p = 0; p < 144; p++) {
                // class-dependent brightness, so that training has something to learn
                pixels[i * 144 + p] = (byte) Math.min(255, random.nextInt(128) + 40 * labels[i]);
            }
        }
        return new Dataset("synthetic", 1, 12, 12, pixels, labels, 4, new float[] {0.5f}, new float[] {0.25f});
    }

    /** 90 examples in batches of 24: three full steps and one of 18, so shards of unequal size too. */
    private static Trainer.Config config(int accumulation) {
        return new Trainer.Config(2, 24, 0.05, "sgd", 0.9, true, 5e-4, 0.1, 0.5, new Dataset.Augment(1, true), 7,
                accumulation);
    }

    @Test
    void withoutBatchNormShardsEqualTheWholeBatch() throws Exception {
        Dataset train = data(90, 1);
        Dataset test = data(30, 2);
        Net whole = new Net(false);
        Net sharded = new Net(false);
        // augmentation draws per shard, so compare without it: then only the arithmetic differs
        Trainer.Config plain = config(1).augment(Dataset.Augment.NONE);
        new Trainer(whole, train, test, plain, dir.resolve("whole"), QUIET).run(false);
        new Trainer(sharded, train, test, plain.accumulation(4), dir.resolve("sharded"), QUIET).run(false);
        assertClose(sharded.parameters().all(), whole.parameters().all(), 1e-5);
    }

    @Test
    void processesOfAWorldEqualOneProcessAccumulating() throws Exception {
        Dataset train = data(90, 1);
        Dataset test = data(30, 2);
        Net single = new Net(true);
        List<Trainer.Epoch> alone = new Trainer(single, train, test, config(4), dir.resolve("single"), QUIET)
                .run(false);
        for (int processes : new int[] {1, 2, 4}) {
            ThreadWorld world = new ThreadWorld(processes);
            List<Trainer> trainers = new ArrayList<>();
            for (int r = 0; r < processes; r++) {
                trainers.add(new Trainer(new Net(true), train, test, config(4), dir.resolve("w" + r), QUIET,
                        world.rank(r), 2));
            }
            List<Trainer.EpochResult> results = world.run(r -> {
                Trainer.EpochResult last = null;
                for (int epoch = 0; epoch < 2; epoch++) {
                    last = trainers.get(r).trainEpoch(epoch);
                }
                return last;
            });
            for (int r = 0; r < processes; r++) {
                // every process holds the same state, bit for bit: the all-reduce gives all the same sums
                assertThat(trainers.get(r).stateDigest()).isEqualTo(trainers.get(0).stateDigest());
                assertThat(results.get(r).epoch().top1()).isEqualTo(results.get(0).epoch().top1());
            }
            assertClose(trainers.get(0).model().parameters().all(), single.parameters().all(), 1e-5);
            assertThat(results.get(0).epoch().trainLoss()).as("%d processes", processes)
                    .isCloseTo(alone.get(1).trainLoss(), org.assertj.core.data.Offset.offset(1e-5));
            assertThat(results.get(0).epoch().top1()).isEqualTo(alone.get(1).top1());
            assertThat(world.verified).as("digest checks every 2 steps")
                    .hasSize(processes == 1 ? 0 : 4 * processes);
        }
    }

    @Test
    void processesThatDivergeAreNoticed() {
        ThreadWorld world = new ThreadWorld(2);
        assertThatThrownBy(() -> new Trainer(new Net(true), data(10, 1), data(10, 2), config(3), dir, QUIET,
                world.rank(0), 2)).hasMessageContaining("2 processes cannot share 3 sub-batches");
        assertThatThrownBy(() -> config(25)).hasMessageContaining("1 to batch (24) sub-batches, got 25");
    }

    private static void assertClose(Map<String, INDArray> actual, Map<String, INDArray> expected, double tolerance) {
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        expected.forEach((name, e) -> {
            double scale = Math.max(1e-3, e.norm2Number().doubleValue());
            double diff = actual.get(name).sub(e).norm2Number().doubleValue();
            assertThat(diff / scale).as(name).isLessThan(tolerance);
        });
    }

    /** Processes as threads: the all-reduce sums into a shared array between two barrier waits. */
    static final class ThreadWorld {
        private final int size;
        private final CyclicBarrier barrier;
        private double[] sum;
        private final List<String> digests = new ArrayList<>();
        final List<Long> verified = new ArrayList<>();

        ThreadWorld(int size) {
            this.size = size;
            this.barrier = new CyclicBarrier(size);
        }

        World rank(int rank) {
            return new World() {
                @Override
                public int rank() {
                    return rank;
                }

                @Override
                public int size() {
                    return size;
                }

                @Override
                public void allReduce(double[] values) {
                    try {
                        synchronized (ThreadWorld.this) {
                            if (sum == null) {
                                sum = new double[values.length];
                            }
                        }
                        barrier.await();
                        // ranks add in turn, in rank order: the same sums a ring gives up to rounding
                        for (int r = 0; r < size; r++) {
                            if (r == rank) {
                                for (int i = 0; i < values.length; i++) {
                                    sum[i] += values[i];
                                }
                            }
                            barrier.await();
                        }
                        for (int i = 0; i < values.length; i++) {
                            values[i] = (float) sum[i];
                        }
                        barrier.await();
                        if (rank == 0) {
                            sum = null;
                        }
                        barrier.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }

                @Override
                public void verify(long step, Supplier<String> digest) {
                    synchronized (ThreadWorld.this) {
                        digests.add(digest.get());
                        verified.add(step);
                    }
                }
            };
        }

        <T> List<T> run(java.util.function.IntFunction<T> body) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(size);
            try {
                List<Future<T>> futures = new ArrayList<>();
                for (int r = 0; r < size; r++) {
                    int rank = r;
                    futures.add(pool.submit(() -> body.apply(rank)));
                }
                List<T> results = new ArrayList<>();
                for (Future<T> f : futures) {
                    results.add(f.get());
                }
                return results;
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
