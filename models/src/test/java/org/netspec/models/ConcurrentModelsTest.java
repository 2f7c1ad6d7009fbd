package org.netspec.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.model.Model;

/**
 * Models in several threads at once (Spark runs an executor's tasks as threads) compute what one
 * model computes alone: the oneDNN primitives they share (reorders of weights into blocked
 * layouts, cached by layout) must not share scratch memory. Widths of 16 and up, so that weights
 * are re-laid out into channel blocks; each model new, so that the threads prepare their weights
 * at the same time.
 */
class ConcurrentModelsTest {
    private static final int THREADS = 3;

    private static Model model() {
        return ResNet20.builder().filters(16).inputShape(3, 32, 32).seed(5).build();
    }

    @Test
    void predictionsInParallelEqualOneThreads() throws Exception {
        Nd4j.getRandom().setSeed(2);
        INDArray images = Nd4j.rand(DataType.FLOAT, 4, 3, 32, 32);
        INDArray expected = model().predict(images);
        for (int round = 0; round < 3; round++) {
            for (INDArray actual : inParallel(m -> m.predict(images))) {
                assertThat(actual.equalsWithEps(expected, 1e-6)).as("round %d", round).isTrue();
            }
        }
    }

    @Test
    void gradientsInParallelEqualOneThreads() throws Exception {
        Nd4j.getRandom().setSeed(3);
        INDArray images = Nd4j.rand(DataType.FLOAT, 4, 32, 32, 3);
        INDArray labels = Nd4j.createFromArray(1, 4, 7, 9);
        Map<String, INDArray> expected = model().gradients(images, labels, 0, 1L).gradients();
        for (Map<String, INDArray> actual : inParallel(m -> m.gradients(images, labels, 0, 1L).gradients())) {
            expected.forEach((name, g) -> assertThat(actual.get(name).equalsWithEps(g, 1e-6)).as(name).isTrue());
        }
    }

    private static <T> List<T> inParallel(Function<Model, T> work) throws Exception {
        List<Model> models = java.util.stream.Stream.generate(ConcurrentModelsTest::model).limit(THREADS).toList();
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            List<CompletableFuture<T>> runs = models.stream()
                    .map(m -> CompletableFuture.supplyAsync(() -> work.apply(m), threads)).toList();
            return runs.stream().map(CompletableFuture::join).toList();
        } finally {
            threads.shutdown();
        }
    }
}
