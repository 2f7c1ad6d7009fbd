package org.netspec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.netspec.runtime.data.FashionMnist;
import org.netspec.runtime.io.SafeTensors;

/**
 * {@code kill -9} at random points of a training run, again and again: each time the next run
 * resumes from what the last one left, and the run that finally completes ends where an unbroken
 * run ends — the same tensors to the bit, the same metadata and a complete metrics.csv (wall-clock
 * columns aside). Real processes, real SIGKILLs: a kill may land while the JVM starts, mid-epoch,
 * during the checkpoint write or between the checkpoint's rename and the CSV's.
 */
class KillResumeTest {
    private static final String CIFAR = "../models/src/main/net/cifar_resnet.net";
    private static final int EPOCHS = 4;
    private static final int KILLS = 20;
    /** metrics.csv columns that measure time, not training. */
    private static final List<Integer> TIMING = List.of(6, 7);

    @TempDir
    Path dir;

    private List<String> command(Path out, boolean resume) throws Exception {
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "train",
                "--spec", CIFAR, "--model", "CifarResNet(n: 1, filters: 4)",
                "--data", "fashion-mnist:" + FashionMnist.embedded(), "--limit", "512", "--batch", "64",
                "--epochs", String.valueOf(EPOCHS), "--seed", "5", "--out", out.toString()));
        if (resume) {
            c.add("--resume");
        }
        return c;
    }

    private Process start(Path out, boolean resume) throws Exception {
        return new ProcessBuilder(command(out, resume)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log-" + System.nanoTime() + ".txt").toFile()).start();
    }

    private int finish(Path out, boolean resume) throws Exception {
        Process p = start(out, resume);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        return p.exitValue();
    }

    @Test
    void everyKillResumesToTheUnbrokenResult() throws Exception {
        Path unbroken = dir.resolve("unbroken");
        assertThat(finish(unbroken, false)).isZero();

        Path killed = dir.resolve("killed");
        Random random = new Random(20261201);
        int kills = 0;
        while (kills < KILLS) {
            Process p = start(killed, Files.exists(killed.resolve("checkpoint.safetensors")));
            // the JVM and the spec's compilation take a few seconds, an epoch about one
            long at = 1000 + random.nextInt(9000);
            if (p.waitFor(at, TimeUnit.MILLISECONDS)) {
                assertThat(p.exitValue()).as("a run that ended by itself").isZero();
                Files.delete(killed.resolve("checkpoint.safetensors")); // start over: the kills must land mid-run
                continue;
            }
            p.destroyForcibly().waitFor(); // SIGKILL on Unix
            kills++;
        }
        boolean resume = Files.exists(killed.resolve("checkpoint.safetensors"));
        assertThat(finish(killed, resume)).isZero();

        assertThat(metricsWithoutTiming(killed)).hasSize(EPOCHS + 1).isEqualTo(metricsWithoutTiming(unbroken));
        try (SafeTensors a = SafeTensors.open(unbroken.resolve("checkpoint.safetensors"));
             SafeTensors b = SafeTensors.open(killed.resolve("checkpoint.safetensors"))) {
            assertThat(b.names()).isEqualTo(a.names());
            for (String name : a.names()) {
                assertThat(b.read(name)).as(name).isEqualTo(a.read(name));
            }
            Map<String, String> expected = new java.util.TreeMap<>(a.metadata());
            Map<String, String> actual = new java.util.TreeMap<>(b.metadata());
            assertThat(withoutTiming(actual.remove("metrics"))).isEqualTo(withoutTiming(expected.remove("metrics")));
            assertThat(actual).isEqualTo(expected); // tensors_sha256, epochs_done, identity
        }
        try (var files = Files.list(killed)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly(".netspec.lock", "checkpoint.safetensors", "curves.png", "metrics.csv");
        }
    }

    private static List<String> metricsWithoutTiming(Path out) throws Exception {
        return withoutTiming(Files.readString(out.resolve("metrics.csv")));
    }

    private static List<String> withoutTiming(String csv) {
        List<String> rows = new ArrayList<>();
        for (String line : csv.strip().split("\n")) {
            List<String> cells = new ArrayList<>(Arrays.asList(line.split(",")));
            for (int i = TIMING.size() - 1; i >= 0; i--) {
                cells.remove((int) TIMING.get(i));
            }
            rows.add(String.join(",", cells));
        }
        return rows;
    }
}
