package org.netspec.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.netspec.dsl.diag.Code;

/**
 * docs/diagnostics.md is the catalogue generated from {@link Code}; run with
 * {@code -Dnetspec.accept=true} to rewrite it after changing a code.
 */
class DiagnosticsCatalogueTest {
    private static final Path DOC = Path.of("../docs/diagnostics.md");

    static String render() {
        StringBuilder out = new StringBuilder();
        out.append("# Diagnostics\n\n");
        out.append("Every problem NetSpec finds in a spec is reported as\n\n");
        out.append("```\npath:line:column: error[NSnnn]: message\n  source line\n  ^~~~ caret under the token\n```\n\n");
        out.append("All errors of a run are reported at once (at most 100), then the build or command fails once.\n");
        out.append("This page is generated from `org.netspec.dsl.diag.Code` by `DiagnosticsCatalogueTest`;\n");
        out.append("`DiagnosticsTableTest` holds an example input and the exact message for each code.\n\n");
        out.append("| code | title | when |\n| --- | --- | --- |\n");
        for (Code code : Code.values()) {
            out.append("| ").append(code.name()).append(" | ").append(code.title()).append(" | ")
                    .append(code.explanation().replace("|", "\\|")).append(" |\n");
        }
        return out.toString();
    }

    @Test
    void documentMatchesTheCatalogue() throws IOException {
        String expected = render();
        if (Boolean.getBoolean("netspec.accept")) {
            Files.createDirectories(DOC.getParent());
            Files.writeString(DOC, expected);
        }
        assertThat(Files.readString(DOC)).isEqualTo(expected);
    }

    @Test
    void everyCodeHasAnExampleInTheTable() throws IOException {
        String table = Files.readString(Path.of("src/test/java/org/netspec/dsl/DiagnosticsTableTest.java"));
        Set<Code> seen = EnumSet.noneOf(Code.class);
        Matcher m = Pattern.compile("error\\[(NS\\d{3})]").matcher(table);
        while (m.find()) {
            seen.add(Code.valueOf(m.group(1)));
        }
        // Tested elsewhere: the error limit (DiagnosticsTableTest), the command-line-only codes (CliTest) and
        // the generator's own code (its tests).
        Set<Code> elsewhere = EnumSet.of(Code.NS007, Code.NS039, Code.NS050, Code.NS060, Code.NS061);
        assertThat(EnumSet.complementOf(EnumSet.copyOf(elsewhere))).allMatch(seen::contains,
                "has an example in DiagnosticsTableTest");
    }
}
