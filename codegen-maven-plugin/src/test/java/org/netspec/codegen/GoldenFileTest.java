package org.netspec.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generated BasicBlock, Bottleneck and ResNet50 classes, compared as exact text with files
 * under src/test/resources/golden. After an intended change, rewrite them with
 * {@code mvn test -pl codegen-maven-plugin -Dnetspec.accept=true} and review the diff.
 */
class GoldenFileTest {
    static final Path MODELS = Path.of("../models/src/main/net");
    static final Path GOLDEN = Path.of("src/test/resources/golden");
    private static Map<String, GeneratedFile> files;

    @BeforeAll
    static void generate() {
        GenerationResult result = NetSpecGenerator.generate(
                List.of(MODELS.resolve("resnet.net"), MODELS.resolve("cifar_resnet.net")), GoldenFileTest.class.getClassLoader());
        assertThat(result.diagnostics().format()).isEmpty();
        files = result.files().stream().collect(Collectors.toMap(GeneratedFile::path, Function.identity()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"BasicBlock", "Bottleneck", "ResNet", "ResNet50"})
    void matchesGoldenFile(String name) throws IOException {
        GeneratedFile file = files.get("org/netspec/models/" + name + ".java");
        assertThat(file).as(name + " generated").isNotNull();
        Path golden = GOLDEN.resolve(name + ".java.txt");
        if (Boolean.getBoolean("netspec.accept")) {
            Files.createDirectories(GOLDEN);
            Files.writeString(golden, file.content());
        }
        assertThat(file.content()).isEqualTo(Files.readString(golden));
    }
}
