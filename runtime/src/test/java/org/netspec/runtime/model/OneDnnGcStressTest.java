package org.netspec.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A crash of the JVM must never be a way a run can end: oneDNN under a garbage collector that never rests. */
class OneDnnGcStressTest {
    @Test
    void trainingPassesSurviveContinuousGarbageCollection() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:ErrorFile=/dev/null", "-cp", System.getProperty("java.class.path"),
                OneDnnGcStress.class.getName(), "10").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("passes: ");
    }
}
