package org.netspec.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.netspec.models.ResNet20;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.data.FashionMnist;
import org.netspec.runtime.model.Model;

/** Spark runs the tasks of one executor as threads: two models training at once compute what one does alone. */
class ThreadSafetyTest {
    @Test
    void twoThreadsComputeWhatOneDoes() throws Exception {
        Dataset d = FashionMnist.read(FashionMnist.embedded(), "train").limit(64);
        Dataset.Batch batch = d.batch(java.util.stream.IntStream.range(0, 20).toArray(), Dataset.Augment.NONE,
                new SplittableRandom(0));
        Model alone = ResNet20.builder().filters(4).inputShape(1, 28, 28).seed(3).build();
        Map<String, INDArray> expected = alone.gradients(batch.images(), batch.labels(), 0, 1L).gradients();
        for (int round = 0; round < 3; round++) {
            Model a = ResNet20.builder().filters(4).inputShape(1, 28, 28).seed(3).build();
            Model b = ResNet20.builder().filters(4).inputShape(1, 28, 28).seed(3).build();
            var fa = CompletableFuture.supplyAsync(() -> a.gradients(batch.images(), batch.labels(), 0, 1L).gradients());
            var fb = CompletableFuture.supplyAsync(() -> b.gradients(batch.images(), batch.labels(), 0, 1L).gradients());
            Map<String, INDArray> ga = fa.get();
            Map<String, INDArray> gb = fb.get();
            expected.forEach((k, v) -> {
                assertThat(ga.get(k).equalsWithEps(v, 1e-6)).as("a " + k).isTrue();
                assertThat(gb.get(k).equalsWithEps(v, 1e-6)).as("b " + k).isTrue();
            });
        }
    }
}
