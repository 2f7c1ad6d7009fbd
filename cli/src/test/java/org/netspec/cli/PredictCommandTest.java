package org.netspec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.data.FashionMnist;
import org.netspec.runtime.model.Mode;
import org.netspec.runtime.model.Model;

/** {@code netspec predict}: PNG files in, the training data's class names out, as the model itself ranks them. */
class PredictCommandTest {
    private static final String CIFAR = "../models/src/main/net/cifar_resnet.net";
    private static final String MODEL = "CifarResNet(n: 1, filters: 4)";

    @Test
    void predictsTheClassesTheModelComputesForImagesWrittenFromTheTestSet(@TempDir Path dir) throws Exception {
        Path data = FashionMnist.embedded();
        Path out = dir.resolve("run");
        CliTest.Run train = CliTest.run("train", "--spec", CIFAR, "--model", MODEL, "--data", "fashion-mnist:" + data,
                "--epochs", "1", "--limit", "1024", "--batch", "64", "--out", out.toString());
        assertThat(train.exit()).as(train.err()).isZero();

        Dataset test = FashionMnist.read(data, "t10k").limit(40);
        Path images = Files.createDirectories(dir.resolve("images"));
        for (int i = 0; i < test.size(); i++) {
            BufferedImage png = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            for (int p = 0; p < 28 * 28; p++) {
                png.getRaster().setSample(p % 28, p / 28, 0, test.pixels()[i * 28 * 28 + p] & 0xff);
            }
            ImageIO.write(png, "png", images.resolve(String.format("%03d.png", i)).toFile());
        }
        Path checkpoint = out.resolve("checkpoint.safetensors");
        CliTest.Run predict = CliTest.run("predict", "--spec", CIFAR, "--model", MODEL, "--weights", checkpoint.toString(),
                "--top", "2", "--json", images.toString());
        assertThat(predict.exit()).as(predict.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(predict.out());
        assertThat(json).hasSize(test.size());

        // the same checkpoint on the test set's own bytes ranks the classes the same
        Model net = ModelLoader.load(Path.of(CIFAR), MODEL, new int[] {1, 28, 28}, 0);
        net.loadWeights(checkpoint);
        INDArray logits = net.forward(test.batch(IntStream.range(0, test.size()).toArray(), Dataset.Augment.NONE,
                new SplittableRandom(0)).images(), Mode.EVAL);
        for (int i = 0; i < test.size(); i++) {
            JsonNode best = json.get(i).get("top").get(0);
            int expected = logits.getRow(i).argMax().getInt(0);
            assertThat(best.get("index").asInt()).as("image %d", i).isEqualTo(expected);
            assertThat(best.get("class").asText()).isEqualTo(FashionMnist.CLASSES.get(expected));
            assertThat(json.get(i).get("top")).hasSize(2);
        }

        CliTest.Run plain = CliTest.run("predict", "--spec", CIFAR, "--model", MODEL, "--weights", checkpoint.toString(),
                images.resolve("000.png").toString());
        assertThat(plain.out()).startsWith(images.resolve("000.png") + "  ");

        Path bare = dir.resolve("bare.safetensors");
        net.saveWeights(bare);
        CliTest.Run refused = CliTest.run("predict", "--spec", CIFAR, "--model", MODEL, "--weights", bare.toString(),
                images.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("does not record the class names and normalisation");
    }
}
