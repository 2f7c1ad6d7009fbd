package org.netspec.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 15,000 evaluation passes (and 1,000 training passes) through every oneDNN path — folded conv
 * with fused relu, conv + add+relu, pooling, mean, dense — must not grow the process: each pass
 * reuses its workspace, and the per-call oneDNN handles are released.
 */
class SteadyMemoryTest {

    /** conv-bn-relu, a residual conv whose sum is rectified, max pool, mean, dense. */
    static final class Small extends Model {
        Small(DataType type) {
            super("Small", Shape.of(8, 16, 16), new Parameters(1, type), (b, x) -> {
                Layer conv1 = b.conv("conv1", x, 16, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 1, false);
                Layer bn1 = b.batchnorm("bn1", conv1.output(), 0.1, 1e-5, Init.ONES, false);
                b.fold(conv1, bn1);
                b.fuseRelu(conv1);
                Layer conv2 = b.conv("conv2", bn1.output(), 16, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 1, true);
                Layer pool = b.maxpool("pool", conv2.output(), Size.of(2), Size.of(2), Padding.of(0));
                Layer mean = b.mean("mean", pool.output(), "spatial", false);
                Layer fc = b.dense("fc", mean.output(), 10, true);
                return TestLayers.of("", fc.output(), (in, ctx) -> {
                    INDArray y = ctx.relu(bn1.forward(conv1.forward(in, ctx), ctx));
                    y = ctx.addRelu(conv2.forward(y, ctx), y);
                    return fc.forward(mean.forward(pool.forward(y, ctx), ctx), ctx);
                });
            });
        }
    }

    /**
     * Runs in a JVM of its own whose heap is fixed and touched up front, so that the resident size
     * measures native memory (workspaces, oneDNN handles, JavaCPP buffers) and not heap pages
     * being touched for the first time.
     */
    @Test
    void repeatedPassesDoNotGrowTheProcess() throws Exception {
        Process probe = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-cp", System.getProperty("java.class.path"),
                Probe.class.getName()).redirectErrorStream(true).start();
        String output = new String(probe.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(probe.waitFor()).as(output).isZero();
        long[] resident = output.lines().filter(l -> l.startsWith("rss ")).mapToLong(l -> Long.parseLong(l.substring(4)))
                .toArray();
        assertThat(resident).as(output).hasSize(6);
        // The first windows warm up (JIT, workspaces, primitives, malloc arenas). Measured
        // 2026-12-01: -9 to +12 MB from window 1 to 3 without any leak; 2026-12-02, after the
        // runtime chose oneDNN's layouts and pooled gradient buffers, the process settles later:
        // rises of up to 16 MB until window 3 or 4, then flat (516, 513, 523, 528, 529, 529 MB;
        // eight windows: 518, 521, 537, 537, 520, 520, 520, 520). So three windows warm up and the
        // bound is on the last two, 12 MB: a leak of 2 KB per pass (8 MB a window, 16 over two)
        // fails it, and the leak it was made for (per-call oneDNN handles not destroyed: +35 MB a
        // window) fails it six times over.
        assertThat(resident[5] - resident[3]).as("resident growth over the last 8,000 passes, KB (windows: %s)",
                java.util.Arrays.toString(resident)).isLessThan(12 * 1024);
    }

    /** The probe: six windows of 3,750 evaluation and 250 training passes, resident KB after each. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            Small model = new Small(DataType.FLOAT);
            INDArray images = Nd4j.rand(DataType.FLOAT, 4, 8, 16, 16);
            INDArray nhwc = model.toModelLayout(images);
            INDArray labels = Nd4j.createFromArray(1, 2, 3, 4);
            for (int window = 0; window < 6; window++) {
                for (int i = 0; i < 3_750; i++) {
                    model.predict(images);
                    if (i % 15 == 0) {
                        model.gradients(nhwc, labels, 0);
                    }
                }
                System.gc();
                Thread.sleep(200);
                System.out.println("rss " + residentKb());
            }
        }
    }

    private static long residentKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
