package org.netspec.codegen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
                .containsExactlyInAnyOrder(Trainer.CHECKPOINT, Trainer.METRICS, ".netspec.lock");
    }

    /**
     * Resume trusts nothing: another network under the same class name, a changed tensor, other
     * settings are refused, naming each; a row of metrics.csv lost to a kill after the checkpoint's
     * rename comes back from the checkpoint; a temporary file left by a kill is removed.
     */
    @Test
    void resumeRefusesWhatDiffersAndLosesNoRow() throws Exception {
        Path subset = FashionMnist.embedded();
        Dataset train = FashionMnist.read(subset, "train").limit(128);
        Dataset test = FashionMnist.read(subset, "t10k").limit(64);
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        Path out = dir.resolve("run");
        new Trainer(model(), train, test, config(2), out, quiet).run(false, 1);
        Path checkpoint = out.resolve(Trainer.CHECKPOINT);
        byte[] good = Files.readAllBytes(checkpoint);

        Model wider = CompiledModels.build("ResNet20", "filters", 8, "inputShape", new int[] {1, 28, 28}, "seed", 3L);
        assertThatThrownBy(() -> new Trainer(wider, train, test, config(2), out, quiet).run(true))
                .hasMessageContaining("network: another network; first difference, checkpoint 'conv1 conv [1, 28, 28, 4]")
                .hasMessageContaining("this model 'conv1 conv [1, 28, 28, 8]");
        assertThatThrownBy(() -> new Trainer(model(), train.limit(96), test, config(2), out, quiet).run(true))
                .hasMessageContaining("data.train: checkpoint 'fashion-mnist/train, 128 examples");

        // one flipped bit in a weight: the file's own digest notices
        byte[] damaged = good.clone();
        damaged[damaged.length - 3] ^= 0x10;
        Files.write(checkpoint, damaged);
        assertThatThrownBy(() -> new Trainer(model(), train, test, config(2), out, quiet).run(true))
                .hasMessageContaining("do not match their recorded digest");

        // killed after the checkpoint's rename, before the CSV's, and during a later write
        Files.write(checkpoint, good);
        Files.writeString(out.resolve(Trainer.METRICS), "epoch\n");
        Files.writeString(out.resolve("." + Trainer.CHECKPOINT + ".x1.tmp"), "partial");
        new Trainer(model(), train, test, config(2), out, quiet).run(true);
        List<String> rows = Files.readAllLines(out.resolve(Trainer.METRICS));
        assertThat(rows).hasSize(3);
        assertThat(rows.get(1)).startsWith("1,");
        assertThat(rows.get(2)).startsWith("2,");
        assertThat(out.resolve("." + Trainer.CHECKPOINT + ".x1.tmp")).doesNotExist();
    }
}
