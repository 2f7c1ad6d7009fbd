package org.netspec.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every malformed spec gets exactly the diagnostics listed: code, position and words. The
 * table is the executable form of docs/diagnostics.md.
 */
class DiagnosticsTableTest {

    /** A network with a declared input, so that models of it are elaborated and shape-checked. */
    private static String net(String input, String body) {
        return "network N() input " + input + " {\n" + body + "\n}\nmodel M = N();\n";
    }

    static Stream<DiagnosticCase> cases() {
        Map<String, String> cycle = new LinkedHashMap<>();
        cycle.put("a.net", "import \"b.net\";\nblock A() { return x }\n");
        cycle.put("b.net", "import \"a.net\";\nblock B() { return x }\n");
        Map<String, String> twoFiles = new LinkedHashMap<>();
        twoFiles.put("a.net", "block A() {\n  return x -> rleu\n}\nblock A() { return x }\n");
        twoFiles.put("b.net", "block B(n: integer) { return x }\n");
        Map<String, String> clash = new LinkedHashMap<>();
        clash.put("a.net", "import \"b.net\";\nimport \"c.net\";\nblock Own() { return x -> Stem }\n");
        clash.put("b.net", "block Stem() { return x -> relu }\n");
        clash.put("c.net", "block Stem() { return x }\n");
        return Stream.of(
                // ---- reading and lexing
                DiagnosticCase.of("unexpected character", "block A() { return x $ }\n",
                        "t.net:1:22: error[NS001]: unexpected character '$'"),
                DiagnosticCase.of("non-ASCII character", "block A() { y = x -> relu\u00b5 return y }\n",
                        "t.net:1:26: error[NS001]: unexpected character U+00B5"),
                DiagnosticCase.of("unterminated comment", "block A() { return x }\n/* never closed\n",
                        "t.net:2:1: error[NS002]: unterminated comment: `/*` has no `*/`"),
                DiagnosticCase.of("unterminated string", "import \"resnet.net;\nblock A() { return x }\n",
                        "t.net:1:8: error[NS003]: unterminated string: missing closing `\"`"),
                DiagnosticCase.of("binary garbage", "\u0000\u0001\u0002\u00ff\u0010garbage",
                        "t.net:1:1: error[NS005]: file contains NUL bytes; is it a binary file?"),
                DiagnosticCase.of("huge input", "//" + "x".repeat(10 * 1024 * 1024),
                        "t.net:1:1: error[NS004]: file has 10485762 characters; specs are limited to 1048576"),
                DiagnosticCase.of("deeply nested brackets",
                        "model M = " + "(".repeat(10_000) + "1" + ")".repeat(10_000) + ";\n",
                        "t.net:1:211: error[NS006]: nesting deeper than 200 levels"),
                DiagnosticCase.of("deeply nested operators", "model M = " + "-".repeat(10_000) + "1;\n",
                        "t.net:1:1: error[NS006]: expression nested too deeply to parse"),
                DiagnosticCase.of("empty file", "",
                        "t.net:1:1: error[NS011]: file defines no block, network or model"),
                DiagnosticCase.of("only comments", "// nothing here\n/* nor here */\n",
                        "t.net:1:1: error[NS011]: file defines no block, network or model"),

                // ---- syntax
                DiagnosticCase.of("missing parenthesis", "block A(filters: int {\n  return x\n}\n",
                        "t.net:1:22: error[NS010]: missing ')' before '{'"),
                DiagnosticCase.of("unexpected end of file", "model M = N(\n",
                        "t.net:2:1: error[NS010]: unexpected end of file"),
                DiagnosticCase.of("pipe without step", "block A() {\n  y = x ->\n  return y\n}\n",
                        "t.net:3:3: error[NS010]: unexpected 'return'"),
                DiagnosticCase.of("integer too large", "model M = N(99999999999);\n",
                        "t.net:1:13: error[NS012]: integer 99999999999 is too large (limit 2147483647)"),
                DiagnosticCase.of("zero size", "block A() { return x -> conv(8, 0x3) }\n",
                        "t.net:1:33: error[NS012]: size 0x3 has a zero dimension"),

                // ---- names and structure
                DiagnosticCase.of("misspelt op", "block A() {\n  return x -> rleu\n}\n",
                        "t.net:2:15: error[NS020]: unknown name 'rleu'; did you mean 'relu'?"),
                DiagnosticCase.of("misspelt network", "network ResNet() { return x }\nmodel M = ResNte();\n",
                        "t.net:2:11: error[NS020]: unknown name 'ResNte'; did you mean 'ResNet'?"),
                DiagnosticCase.of("used before assignment", "block A() {\n  y = z -> relu\n  z = x\n  return y\n}\n",
                        "t.net:2:7: error[NS020]: unknown name 'z'"),
                DiagnosticCase.of("duplicate definition", "block A() { return x }\nblock A() { return x -> relu }\n",
                        "t.net:2:7: error[NS021]: 'A' is already defined at t.net:1:7"),
                DiagnosticCase.files("two imports define one name", clash,
                        "a.net:2:1: error[NS021]: 'Stem' is defined both at b.net:1:7 and at c.net:1:7"),
                DiagnosticCase.of("builtin redefined", "block relu() { return x }\n",
                        "t.net:1:7: error[NS021]: 'relu' is the name of a built-in op or function"),
                DiagnosticCase.of("duplicate parameter", "block A(n: int, n: int) { return x }\n",
                        "t.net:1:17: error[NS022]: parameter 'n' is declared twice"),
                DiagnosticCase.of("duplicate layer name", net("3x8x8",
                                "  return x -> c: conv(8, 3x3, padding: 1) -> c: conv(8, 3x3, padding: 1)"),
                        "t.net:2:46: error[NS023]: layer name 'c' is already used"),
                DiagnosticCase.of("unknown keyword argument", "block A() { return x -> conv(8, 3x3, strides: 2) }\n",
                        "t.net:1:38: error[NS024]: conv has no parameter 'strides'; did you mean 'stride'?"),
                DiagnosticCase.of("recursive block", "block A() {\n  return x -> A\n}\n",
                        "t.net:2:15: error[NS025]: A uses itself: A -> A"),
                DiagnosticCase.of("mutually recursive blocks",
                        "block A() { return x -> B }\nblock B() { return x -> A }\n",
                        "t.net:2:25: error[NS025]: A uses itself: A -> B -> A"),
                DiagnosticCase.of("missing import", "import \"nope.net\";\nblock A() { return x }\n",
                        "t.net:1:1: error[NS026]: cannot find \"nope.net\" next to t.net or on the classpath"),
                DiagnosticCase.files("import cycle", cycle,
                        "b.net:1:1: error[NS027]: import cycle: a.net -> b.net -> a.net"),
                DiagnosticCase.of("unknown type", "block A(n: integer) { return x }\n",
                        "t.net:1:12: error[NS028]: unknown type 'integer'; did you mean 'int'?"),
                DiagnosticCase.of("assignment to a parameter", "block A(n: int) {\n  n = 3\n  return x\n}\n",
                        "t.net:2:3: error[NS029]: cannot assign to 'n': it is a parameter or loop variable"),

                // ---- types and values
                DiagnosticCase.of("float stride", net("3x8x8", "  return x -> conv(8, 3x3, stride: 1.5)"),
                        "t.net:2:36: error[NS030]: argument 'stride' of conv must be size, got float"),
                DiagnosticCase.of("int condition", net("3x8x8", "  return if (3) x else x -> relu"),
                        "t.net:2:14: error[NS030]: condition must be bool, got int"),
                DiagnosticCase.of("logic on ints", net("3x8x8", "  y = if (1 && 2) x else x\n  return y"),
                        "t.net:2:13: error[NS030]: operator && does not apply to int and int"),
                DiagnosticCase.of("block where a list is expected",
                        "block B() { return x }\nnetwork N(stages: int[]) input 3x8x8 { return x }\nmodel M = N(stages: B);\n",
                        "t.net:3:21: error[NS030]: argument 'stages' of N must be int[], got block"),
                DiagnosticCase.of("too many arguments", net("3x8x8", "  return x -> conv(8, 3x3, 1, 1, 1, 1, true, 5)"),
                        "t.net:2:46: error[NS031]: too many arguments: conv takes 7"),
                // Found by FuzzTest: a bare block after -> whose required argument is missing.
                DiagnosticCase.of("bare block missing its argument",
                        "block B(n: int) { return x }\nnetwork N() input 3x8x8 {\n  return x -> B\n}\nmodel M = N();\n",
                        "t.net:3:15: error[NS032]: missing argument 'n' of B"),
                DiagnosticCase.of("missing argument", net("3x8x8", "  return x -> conv(kernel: 3x3)"),
                        "t.net:2:15: error[NS032]: missing argument 'filters' of conv"),
                DiagnosticCase.of("argument twice", net("3x8x8", "  return x -> conv(8, 3x3, filters: 8)"),
                        "t.net:2:28: error[NS033]: argument 'filters' of conv is given twice"),
                DiagnosticCase.of("partial block argument given again",
                        "block B(filters: int, stride: int = 1) { return x }\n"
                                + "network N(block: block) input 3x8x8 {\n  return x -> block(4, stride: 2)\n}\n"
                                + "model M = N(block: B(stride: 1));\n",
                        "t.net:3:24: error[NS033]: argument 'stride' of B is given twice"),
                DiagnosticCase.of("not callable", "network N(n: int = 2) input 3x8x8 {\n  return x -> n(3)\n}\nmodel M = N();\n",
                        "t.net:2:15: error[NS034]: int is not callable"),
                DiagnosticCase.of("zero filters", net("3x8x8", "  return x -> conv(0, 3x3)"),
                        "t.net:2:15: error[NS035]: conv filters must be between 1 and 1048576, got 0"),
                DiagnosticCase.of("dropout rate", net("3x8x8", "  return x -> dropout(1.5)"),
                        "t.net:2:15: error[NS035]: dropout rate must be in [0, 1), got 1.5"),
                DiagnosticCase.of("division by zero", net("3x8x8", "  return x -> conv(8 / 0, 3x3)"),
                        "t.net:2:22: error[NS036]: division by zero"),
                DiagnosticCase.of("missing return", "block A() {\n  y = x -> relu\n}\n",
                        "t.net:1:7: error[NS037]: A does not end with `return`"),
                DiagnosticCase.of("index out of range",
                        "network N(stages: int[] = [1, 2]) input 3x8x8 {\n  return x -> conv(stages[2], 1x1)\n}\nmodel M = N();\n",
                        "t.net:2:27: error[NS038]: index 2 is outside the list of 2"),

                // ---- shapes
                DiagnosticCase.of("residual shape mismatch", net("3x8x8", "  return x -> conv(8, 3x3, padding: 1) + x"),
                        "t.net:2:40: error[NS040]: cannot add `x -> conv(8, 3x3, padding: 1)` (8x8x8) and `x` (3x8x8): the shapes"
                                + " must be equal"),
                DiagnosticCase.of("shape mismatch inside a block instance",
                        "block B(f: int) {\n  y = x -> conv(f, 3x3, padding: 1)\n  return y + x\n}\n"
                                + "network N() input 3x8x8 {\n  return x -> stage.0: B(8)\n}\nmodel M = N();\n",
                        "t.net:3:12: error[NS040]: cannot add `y` (8x8x8) and `x` (3x8x8): the shapes must be equal"
                                + " (in stage.0, a B)"),
                DiagnosticCase.of("kernel larger than input", net("3x4x4", "  return x -> conv(8, 7x7)"),
                        "t.net:2:15: error[NS041]: conv kernel 7x7 is larger than its padded input 4x4"),
                DiagnosticCase.of("stride leaves no output", net("3x1x1", "  return x -> conv(8, 1x1, stride: 2)"),
                        "t.net:2:15: error[NS042]: conv stride 2x2 leaves no output beyond the first on a 1x1 input"),
                DiagnosticCase.of("dense on a 4-D value", net("3x8x8", "  return x -> conv(8, 3x3) -> dense(10)"),
                        "t.net:2:31: error[NS043]: dense needs a flat input, got 8x6x6; add `mean(spatial)` or `flatten` before it"),
                DiagnosticCase.of("groups do not divide", net("3x8x8", "  return x -> conv(8, 3x3, groups: 2)"),
                        "t.net:2:15: error[NS044]: conv groups 2 must divide input channels 3 and filters 8"),
                DiagnosticCase.of("conv on a flat value", net("3x8x8", "  return x -> mean(spatial) -> conv(8, 1x1)"),
                        "t.net:2:32: error[NS045]: conv needs a CxHxW input, got 3"),
                DiagnosticCase.of("runaway loop", net("3x8x8", "  for i in range(1000000) {\n    x = x -> relu\n  }\n  return x"),
                        "t.net:2:12: error[NS052]: range of 1000000 items is larger than 100000"),
                DiagnosticCase.of("counts that would overflow", net("1000000x2000000000x2000000000",
                                "  return x -> conv(1000000, 3x3, padding: 1)"),
                        "t.net:2:15: error[NS052]: network too large: its parameter or multiply-accumulate count exceeds 2^63"),

                // ---- several errors, several files, all at once
                DiagnosticCase.files("errors in two files", twoFiles,
                        "a.net:2:15: error[NS020]: unknown name 'rleu'; did you mean 'relu'?",
                        "a.net:4:7: error[NS021]: 'A' is already defined at a.net:1:7",
                        "b.net:1:12: error[NS028]: unknown type 'integer'; did you mean 'int'?"),
                DiagnosticCase.of("independent shape errors in one model", net("3x8x8",
                                "  a = x -> conv(0, 3x3)\n  b = x -> dense(10)\n  return x"),
                        "t.net:2:12: error[NS035]: conv filters must be between 1 and 1048576, got 0",
                        "t.net:3:12: error[NS043]: dense needs a flat input, got 3x8x8; add `mean(spatial)` or `flatten` before it"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsExactly(DiagnosticCase c) {
        assertThat(c.run()).containsExactlyElementsOf(c.expected());
    }

    @org.junit.jupiter.api.Test
    void tableHasAtLeastThirtyCases() {
        assertThat(cases().count()).isGreaterThanOrEqualTo(30);
    }

    @org.junit.jupiter.api.Test
    void rendersSourceLineAndCaret() {
        DiagnosticCase c = DiagnosticCase.of("caret", "block A() {\n  return x -> rleu\n}\n");
        Program program = Frontend.loadSources(c.files(), getClass().getClassLoader());
        assertThat(program.diagnostics().format()).isEqualTo(String.join("\n",
                "t.net:2:15: error[NS020]: unknown name 'rleu'; did you mean 'relu'?",
                "    return x -> rleu",
                "                ^~~~",
                "1 error", ""));
    }

    @org.junit.jupiter.api.Test
    void stopsAfterOneHundredErrors() {
        String source = "block A() { return x }\n".repeat(150);
        Program program = Frontend.loadSources(Map.of("t.net", source), getClass().getClassLoader());
        List<String> codes = program.diagnostics().all().stream().map(d -> d.code().name()).toList();
        assertThat(codes).hasSize(101);
        assertThat(codes.get(100)).isEqualTo("NS007");
        assertThat(program.diagnostics().errorCount()).isEqualTo(100);
    }
}
