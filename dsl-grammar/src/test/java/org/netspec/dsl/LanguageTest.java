package org.netspec.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.netspec.dsl.ir.Layer;
import org.netspec.dsl.ir.ModelGraph;
import org.netspec.dsl.ir.Shape;
import org.netspec.dsl.syntax.Definition;

/** What the language can say, checked through elaborated shapes, names and counts. */
class LanguageTest {

    private static Program load(String... nameAndText) {
        Map<String, String> files = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nameAndText.length; i += 2) {
            files.put(nameAndText[i], nameAndText[i + 1]);
        }
        Program program = Frontend.loadSources(files, LanguageTest.class.getClassLoader());
        assertThat(program.diagnostics().format()).isEmpty();
        return program;
    }

    private static ModelGraph model(Program program, String model) {
        ModelGraph graph = program.elaborate(model, Optional.empty()).orElseThrow(
                () -> new AssertionError(program.diagnostics().format()));
        return graph;
    }

    private static Map<String, Layer> byName(ModelGraph graph) {
        return graph.layers().stream().collect(Collectors.toMap(Layer::name, l -> l));
    }

    @Test
    void squeezeExcitationGatesChannels() {
        Program program = Frontend.load(List.of(Path.of("src/test/resources/specs/variants.net")), getClass().getClassLoader());
        ModelGraph graph = model(program, "SETiny");
        Map<String, Layer> layers = byName(graph);
        assertThat(layers.get("stage1.0.se.fc1").output()).isEqualTo(Shape.chw(2, 1, 1));
        assertThat(layers.get("stage1.0.se.fc2").output()).isEqualTo(Shape.chw(8, 1, 1));
        Layer gate = graph.layers().stream().filter(l -> l.op().equals("multiply")).findFirst().orElseThrow();
        assertThat(gate.inputShapes()).containsExactly(Shape.chw(8, 16, 16), Shape.chw(8, 1, 1));
        assertThat(graph.outputShape()).isEqualTo(Shape.flat(10));
    }

    @Test
    void samePaddingIsAsymmetricOnStrideTwo() {
        Program program = Frontend.load(List.of(Path.of("src/test/resources/specs/variants.net")), getClass().getClassLoader());
        Layer stem = byName(model(program, "SETiny")).get("stem");
        assertThat(stem.attrs().get("padding")).isEqualTo(List.of(0, 1, 0, 1));
        assertThat(stem.output()).isEqualTo(Shape.chw(8, 16, 16));
    }

    @Test
    void preActivationAndPartialBlocks() {
        Program program = Frontend.load(List.of(Path.of("src/test/resources/specs/variants.net")), getClass().getClassLoader());
        Map<String, Layer> pre = byName(model(program, "PreActTiny"));
        assertThat(pre).containsKeys("stage2.0.shortcut", "stage2.1.bn1").doesNotContainKey("stage1.1.shortcut");
        ModelGraph d = model(program, "DTiny");
        assertThat(d.input()).isEqualTo(Shape.chw(3, 16, 16));
        assertThat(d.blocks().get(0).args()).containsEntry("filters", 8).containsEntry("stride", 1);
    }

    @Test
    void unlabelledLayersAreNumberedPerOpAndBlock() {
        Program program = load("t.net", """
                block Pair(filters: int) { return x -> conv(filters, 1x1) -> conv(filters, 1x1) -> relu }
                network N() input 4x8x8 { return x -> Pair(4) -> Pair(4) -> conv(2, 1x1) }
                model M = N();
                """);
        assertThat(model(program, "M").layers().stream().map(Layer::name)).containsExactly(
                "Pair_0.conv_0", "Pair_0.conv_1", "Pair_0.relu_0", "Pair_1.conv_0", "Pair_1.conv_1", "Pair_1.relu_0",
                "conv_0");
    }

    @Test
    void staticArithmeticListsAndConditionals() {
        Program program = load("t.net", """
                network N(widths: int[] = [2, 3, 4], k: int = 3) input 1x32x32 {
                    for (i, w) in widths {
                        x = x -> c{i}: conv(w * 2^i + len(widths) % 2, k, padding: k / 2, dilation: if (i >= 1) 2 else 1)
                    }
                    return x -> maxpool(2x2) -> flatten -> d: dense(min(widths) * 5, bias: false)
                }
                model M = N();
                model M2 = N(widths: [8], k: 5);
                """);
        Map<String, Layer> layers = byName(model(program, "M"));
        assertThat(layers.get("c0").output()).isEqualTo(Shape.chw(3, 32, 32));
        assertThat(layers.get("c1").output()).isEqualTo(Shape.chw(7, 30, 30)); // dilation 2 with padding 1
        assertThat(layers.get("c2").output()).isEqualTo(Shape.chw(17, 28, 28));
        assertThat(layers.get("d").params()).isEqualTo(17L * 14 * 14 * 10);
        assertThat(byName(model(program, "M2")).get("c0").output()).isEqualTo(Shape.chw(9, 32, 32));
    }

    @Test
    void docCommentsAreKeptForTheGenerator() {
        Program program = load("t.net", """
                /**
                 * A stem.
                 * Two lines.
                 */
                block Stem() { return x -> relu }
                // not a doc comment
                block Other() { return x }
                """);
        List<Definition> defs = program.files().get(0).definitions();
        assertThat(defs.get(0).doc()).contains("A stem.\nTwo lines.");
        assertThat(defs.get(1).doc()).isEmpty();
    }

    @Test
    void importsFromTheFileSystemAndTheClasspath(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("blocks.net"), "block Twice() { return x -> relu -> relu }\n");
        Path main = dir.resolve("main.net");
        Files.writeString(main, """
                import "blocks.net";
                import "specs/variants.net";
                network N() input 8x4x4 { return x -> t: Twice -> s: SqueezeExcite(reduction: 2) }
                model M = N();
                """);
        Program program = Frontend.load(List.of(main), getClass().getClassLoader());
        assertThat(program.diagnostics().format()).isEmpty();
        assertThat(byName(model(program, "M"))).containsKeys("t.relu_0", "s.fc1");

        Program fromClasspath = Frontend.load(List.of(Path.of("src/test/resources/specs/imported.net")),
                getClass().getClassLoader());
        assertThat(model(fromClasspath, "SEWide").outputShape()).isEqualTo(Shape.flat(100));
    }

    @Test
    void ownDefinitionsShadowImportedOnes() {
        Program program = load("lib.net", "block Stem() { return x -> relu }\n",
                "main.net", "import \"lib.net\";\nblock Stem() { return x -> sigmoid }\n"
                        + "network N() input 2x4x4 { return x -> s: Stem }\nmodel M = N();\n");
        assertThat(program.elaborate("M", Optional.empty()).orElseThrow().layers().get(0).op()).isEqualTo("sigmoid");
    }

    @Test
    void callsOnTheCommandLineUseTheFilesDefinitions() {
        Program program = Frontend.load(List.of(Path.of("src/test/resources/specs/variants.net")), getClass().getClassLoader());
        ModelGraph graph = program.elaborate("Tiny(block: PreActBlock, filters: 4, classes: 3)",
                Optional.of(Shape.chw(3, 8, 8))).orElseThrow();
        assertThat(graph.model()).isEqualTo("Tiny");
        assertThat(graph.outputShape()).isEqualTo(Shape.flat(3));
    }

    @Test
    void elaborationIsDeterministic() {
        Program a = Frontend.load(List.of(Path.of("src/test/resources/specs/variants.net")), getClass().getClassLoader());
        Program b = Frontend.load(List.of(Path.of("src/test/resources/specs/variants.net")), getClass().getClassLoader());
        assertThat(model(a, "SETiny")).isEqualTo(model(b, "SETiny"));
    }
}
