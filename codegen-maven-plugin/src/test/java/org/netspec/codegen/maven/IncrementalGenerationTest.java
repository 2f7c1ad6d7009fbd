package org.netspec.codegen.maven;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Staleness by content, writes only on change, orphans removed, manifest kept on failure. */
class IncrementalGenerationTest {
    @TempDir
    Path dir;

    private static final String BLOCKS = "package demo;\nblock Twice() { return x -> relu -> relu }\n";
    private static final String MAIN = "package demo;\nimport \"blocks.net\";\n"
            + "network Net(classes: int = 3) input 2x8x8 { return x -> conv(4, 3x3, padding: 1) -> Twice -> mean(spatial) -> dense(classes) }\n"
            + "model Small = Net();\n";

    private IncrementalGeneration.Outcome run(Path out) throws IOException {
        return run(out, getClass().getClassLoader(), "test", "config");
    }

    private IncrementalGeneration.Outcome run(Path out, ClassLoader imports, String version, String config)
            throws IOException {
        return IncrementalGeneration.run(new IncrementalGeneration.Request(dir.resolve("net"), out, dir.resolve("state"),
                imports, version, config));
    }

    private void write(String name, String text) throws IOException {
        Files.createDirectories(dir.resolve("net"));
        Files.writeString(dir.resolve("net").resolve(name), text);
    }

    private Map<Path, FileTime> times(Path out) throws IOException {
        Map<Path, FileTime> times = new HashMap<>();
        try (Stream<Path> files = Files.walk(out)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                times.put(p, Files.getLastModifiedTime(p));
            }
        }
        return times;
    }

    @Test
    void noOpBuildWritesNothing() throws Exception {
        write("blocks.net", BLOCKS);
        write("main.net", MAIN);
        Path out = dir.resolve("out");
        IncrementalGeneration.Outcome first = run(out);
        assertThat(first.result().diagnostics().format()).isEmpty();
        assertThat(first.written()).isEqualTo(3); // Twice, Net, Small
        Map<Path, FileTime> before = times(out);
        Thread.sleep(20);
        IncrementalGeneration.Outcome second = run(out);
        assertThat(second.upToDate()).isTrue();
        assertThat(second.written()).isZero();
        assertThat(times(out)).isEqualTo(before);
    }

    @Test
    void changedImportRegeneratesOnlyWhatChanged() throws Exception {
        write("blocks.net", BLOCKS);
        write("main.net", MAIN);
        Path out = dir.resolve("out");
        run(out);
        write("blocks.net", BLOCKS.replace("relu -> relu", "relu -> sigmoid"));
        IncrementalGeneration.Outcome again = run(out);
        assertThat(again.upToDate()).isFalse();
        assertThat(again.written()).isEqualTo(1); // only Twice changed
        assertThat(again.unchanged()).isEqualTo(2);
    }

    @Test
    void changedImportFromTheClasspathRegenerates() throws Exception {
        // As from a dependency's jar: not next to the importing spec, found through the class path.
        Path jar = Files.createDirectories(dir.resolve("jar"));
        Files.writeString(jar.resolve("lib.net"), BLOCKS);
        write("main.net", MAIN.replace("blocks.net", "lib.net"));
        Path out = dir.resolve("out");
        try (URLClassLoader imports = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            assertThat(run(out, imports, "test", "config").written()).isEqualTo(2); // Net, Small; Twice is the jar's
            assertThat(run(out, imports, "test", "config").upToDate()).isTrue();
            // Same class names, another layer inside the imported block: the network's code changes.
            Files.writeString(jar.resolve("lib.net"), BLOCKS.replace("relu -> relu", "relu -> relu -> relu"));
            IncrementalGeneration.Outcome again = run(out, imports, "test", "config");
            assertThat(again.upToDate()).isFalse();
            assertThat(again.result().diagnostics().format()).isEmpty();
        }
    }

    @Test
    void newPluginVersionOrConfigurationRechecksButRewritesNothingUnchanged() throws Exception {
        write("blocks.net", BLOCKS);
        write("main.net", MAIN);
        Path out = dir.resolve("out");
        run(out, getClass().getClassLoader(), "1.0", "config");
        Map<Path, FileTime> before = times(out);
        Thread.sleep(20);
        IncrementalGeneration.Outcome newVersion = run(out, getClass().getClassLoader(), "1.1", "config");
        assertThat(newVersion.upToDate()).isFalse();
        assertThat(newVersion.written()).isZero();
        assertThat(newVersion.unchanged()).isEqualTo(3);
        IncrementalGeneration.Outcome newConfig = run(out, getClass().getClassLoader(), "1.1", "other config");
        assertThat(newConfig.upToDate()).isFalse();
        assertThat(times(out)).isEqualTo(before);
        assertThat(run(out, getClass().getClassLoader(), "1.1", "other config").upToDate()).isTrue();
    }

    @Test
    void deletedOutputIsWrittenAgainThoughTheInputsAreUnchanged() throws Exception {
        write("blocks.net", BLOCKS);
        write("main.net", MAIN);
        Path out = dir.resolve("out");
        run(out);
        Files.delete(out.resolve("demo/Net.java"));
        IncrementalGeneration.Outcome again = run(out);
        assertThat(again.upToDate()).isFalse();
        assertThat(again.written()).isEqualTo(1);
        assertThat(out.resolve("demo/Net.java")).exists();
    }

    @Test
    void renamedSpecMovesItsClassesAndLeavesNoEmptyPackage() throws Exception {
        write("blocks.net", BLOCKS);
        write("main.net", MAIN);
        write("extra.net", "package demo.extra;\nblock Extra() { return x }\n");
        Path out = dir.resolve("out");
        run(out);
        assertThat(out.resolve("demo/extra/Extra.java")).exists();
        Files.delete(dir.resolve("net/extra.net"));
        write("renamed.net", "package demo.renamed;\nblock Extra() { return x }\n");
        IncrementalGeneration.Outcome again = run(out);
        assertThat(again.deleted()).isEqualTo(1);
        assertThat(again.written()).isEqualTo(1);
        assertThat(out.resolve("demo/extra")).doesNotExist();
        assertThat(out.resolve("demo/renamed/Extra.java")).exists();
        assertThat(Files.readAllLines(dir.resolve("state/manifest.txt")))
                .anyMatch(line -> line.startsWith("demo/renamed/Extra.java\t"))
                .noneMatch(line -> line.startsWith("demo/extra/Extra.java"));
    }

    /** The manifest keeps each file's SHA-256: a hand edit is noticed and undone, not compiled. */
    @Test
    void handEditedOutputIsWrittenAgain() throws Exception {
        write("blocks.net", BLOCKS);
        write("main.net", MAIN);
        Path out = dir.resolve("out");
        run(out);
        Path twice = out.resolve("demo/Twice.java");
        String generated = Files.readString(twice);
        Files.writeString(twice, generated.replace("ctx.relu", "ctx.sigmoid"));
        IncrementalGeneration.Outcome again = run(out);
        assertThat(again.upToDate()).isFalse();
        assertThat(again.written()).isEqualTo(1);
        assertThat(again.unchanged()).isEqualTo(2);
        assertThat(Files.readString(twice)).isEqualTo(generated);
        assertThat(run(out).upToDate()).isTrue();
    }

    @Test
    void deletedSpecRemovesItsClasses() throws Exception {
        write("blocks.net", BLOCKS);
        write("main.net", MAIN);
        write("extra.net", "package demo;\nblock Extra() { return x }\n");
        Path out = dir.resolve("out");
        run(out);
        assertThat(out.resolve("demo/Extra.java")).exists();
        Files.delete(dir.resolve("net/extra.net"));
        IncrementalGeneration.Outcome again = run(out);
        assertThat(again.deleted()).isEqualTo(1);
        assertThat(out.resolve("demo/Extra.java")).doesNotExist();
        assertThat(out.resolve("demo/Small.java")).exists();
    }

    @Test
    void twoGenerationsIntoFreshFoldersAreByteIdentical() throws Exception {
        write("blocks.net", BLOCKS);
        write("main.net", MAIN);
        run(dir.resolve("a"));
        Files.walk(dir.resolve("state")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        run(dir.resolve("b"));
        for (String f : List.of("demo/Twice.java", "demo/Net.java", "demo/Small.java")) {
            assertThat(Files.readAllBytes(dir.resolve("b").resolve(f))).isEqualTo(Files.readAllBytes(dir.resolve("a").resolve(f)));
        }
    }

    @Test
    void failedGenerationKeepsTheOldManifestAndOutputs() throws Exception {
        write("blocks.net", BLOCKS);
        write("main.net", MAIN);
        Path out = dir.resolve("out");
        run(out);
        String manifest = Files.readString(dir.resolve("state/manifest.txt"));
        write("main.net", MAIN.replace("relu", "rleu").replace("Twice", "Twicce"));
        IncrementalGeneration.Outcome failed = run(out);
        assertThat(failed.result().ok()).isFalse();
        assertThat(failed.result().diagnostics().format()).contains("error[NS020]: unknown name 'Twicce'");
        assertThat(Files.readString(dir.resolve("state/manifest.txt"))).isEqualTo(manifest);
        assertThat(out.resolve("demo/Small.java")).exists();
    }
}
