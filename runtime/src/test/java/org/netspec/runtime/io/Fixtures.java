package org.netspec.runtime.io;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Locates the shared torchvision fixtures (see shared/fixtures/README.md). */
final class Fixtures {

    private static final String PROBE = "resnet18_w16_c10.safetensors";

    private Fixtures() {
    }

    /**
     * The folder named by {@code netspec.fixtures} (set by surefire), or else shared/fixtures found by
     * walking up from the working directory, which keeps the tests working when Maven is started
     * from the module folder and the property points to the wrong place.
     */
    static Path dir() {
        List<Path> tried = new ArrayList<>();
        String property = System.getProperty("netspec.fixtures");
        if (property != null) {
            tried.add(Path.of(property));
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            tried.add(p.resolve("shared").resolve("fixtures"));
        }
        for (Path candidate : tried) {
            if (Files.isRegularFile(candidate.resolve(PROBE))) {
                return candidate.normalize();
            }
        }
        return fail("fixtures folder with " + PROBE + " not found; tried " + tried);
    }

    static Path file(String name) {
        return dir().resolve(name);
    }
}
