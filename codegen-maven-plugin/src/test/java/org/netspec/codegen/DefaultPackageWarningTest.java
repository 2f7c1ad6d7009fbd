package org.netspec.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.diag.Severity;

/** A spec without {@code package} still generates, with a warning that names the file (NS061). */
class DefaultPackageWarningTest {
    @Test
    void aMissingPackageIsAWarningNamingTheFile(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("se.net");
        Files.writeString(spec, "network Tiny() input 1x8x8 { return x -> conv(4, 3x3) -> mean(spatial) -> dense(5) }\n"
                + "model SENet10 = Tiny();\n");
        GenerationResult result = NetSpecGenerator.generate(List.of(spec), getClass().getClassLoader());
        assertThat(result.ok()).isTrue();
        assertThat(result.files()).extracting(GeneratedFile::path).contains("SENet10.java");
        assertThat(result.diagnostics().all()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Severity.WARNING);
            assertThat(d.code()).isEqualTo(Code.NS061);
        });
        assertThat(result.diagnostics().format()).startsWith(spec + ":1:1: warning[NS061]: no `package` in this spec");

        Files.writeString(spec, "package org.example;\n" + Files.readString(spec));
        assertThat(NetSpecGenerator.generate(List.of(spec), getClass().getClassLoader()).diagnostics().all()).isEmpty();
    }
}
