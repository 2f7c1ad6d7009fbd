package org.netspec.runtime.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two runs into one --out: the second fails at once, naming the first. */
class OutputLockTest {
    @Test
    void oneRunPerFolder(@TempDir Path dir) throws Exception {
        try (OutputLock first = OutputLock.take(dir)) {
            assertThat(Files.readString(dir.resolve(OutputLock.FILE))).isEqualTo(String.valueOf(ProcessHandle.current().pid()));
            assertThatThrownBy(() -> OutputLock.take(dir)).hasMessage("another training run (process "
                    + ProcessHandle.current().pid() + ") is writing to " + dir + "; wait for it or choose another --out");
        }
        OutputLock.take(dir).close(); // free again once the first has ended
        assertThatThrownBy(() -> OutputLock.take(dir.resolve("missing"))).hasMessageContaining("is not writable");
    }
}
