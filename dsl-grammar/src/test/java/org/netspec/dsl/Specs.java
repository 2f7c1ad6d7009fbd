package org.netspec.dsl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Every spec file in the repository: the models and this module's test specs. */
final class Specs {
    private Specs() {}

    static List<Path> all() {
        return Stream.of(Path.of("../models/src/main/net"), Path.of("src/test/resources/specs"))
                .flatMap(Specs::list).sorted().toList();
    }

    private static Stream<Path> list(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".net")).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
