package org.netspec.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.data.FashionMnist;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.train.Trainer;

/**
 * Training a generated ResNet-20 is reproducible and resumable exactly: two epochs straight and
 * one epoch, a resume from the checkpoint, then the second give identical weights, statistics
 * and metrics; and training lowers the loss.
 */
class TrainerResumeTest {
    @TempDir
    Path dir;

    private static Model model() throws Exception {
        return CompiledModels.build("ResNet20", "filters", 4, "inputShape", new int[] {1, 28, 28}, "seed", 3L);
    }

    private static Trainer.Config config(int epochs) {
        return new Trainer.Config(epochs, 64, 0.05, "sgd", 0.9, true, 5e-4, 0.1, 0.5, new Dataset.Augment(2, true), 11);
    }

    @Test
    void resumedRunEqualsAnUnbrokenOne() throws Exception {
        Path subset = FashionMnist.embedded();
        Dataset train = FashionMnist.read(subset, "train").limit(320);
        Dataset test = FashionMnist.read(subset, "t10k").limit(128);
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());

        Model straight = model();
        List<Trainer.Epoch> two = new Trainer(straight, train, test, config(2), dir.resolve("a"), quiet).run(false);

        Model broken = model();
        new Trainer(broken, train, test, config(2), dir.resolve("b"), quiet).run(false, 1); // interrupted
        Model resumed = model(); // a fresh process would start from scratch like this
        List<Trainer.Epoch> rest = new Trainer(resumed, train, test, config(2), dir.resolve("b"), quiet).run(true);

        assertThat(rest).hasSize(1);
        Map<String, INDArray> expected = straight.parameters().all();
        resumed.parameters().all().forEach((name, value) -> assertThat(value).as(name).isEqualTo(expected.get(name)));
        assertThat(Files.readAllLines(dir.resolve("b").resolve(Trainer.METRICS)).get(2).split(",")[1])
                .isEqualTo(Files.readAllLines(dir.resolve("a").resolve(Trainer.METRICS)).get(2).split(",")[1]);
        assertThat(two.get(1).trainLoss()).isLessThan(two.get(0).trainLoss());
        assertThat(Files.list(dir.resolve("a")).map(p -> p.getFileName().toString()).toList())
                .containsExactlyInAnyOrder(Trainer.CHECKPOINT, Trainer.METRICS);
    }
}
