package org.netspec.runtime.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 10,000 seeded mutations per reader, each reader in a child JVM with a 256 MB heap: only the
 * readers' own errors (naming the file) may come out — no other exception, no OutOfMemoryError.
 */
class ReaderFuzzTest {
    private static final int INPUTS = 10_000;

    @ParameterizedTest
    @ValueSource(strings = {"idx", "cifar", "images", "checkpoint"})
    void mutatedInputsAreReadOrRefusedWithinASmallHeap(String reader) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"), ReaderFuzz.class.getName(), reader,
                String.valueOf(INPUTS), "20261201").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("fuzz " + reader + ": " + INPUTS + " inputs");
        // both outcomes occur: the mutations reach past the first check, and the readers refuse
        assertThat(output).doesNotContain(" 0 accepted").doesNotContain(" 0 refused");
    }
}
