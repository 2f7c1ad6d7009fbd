package org.netspec.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.netspec.dsl.diag.Diagnostics;
import org.netspec.dsl.diag.Pos;
import org.netspec.dsl.diag.SourceText;
import org.netspec.dsl.syntax.PrettyPrinter;
import org.netspec.dsl.syntax.SpecFile;
import org.netspec.dsl.syntax.SpecParser;

/** Printing a tree and parsing the text again gives an equal tree, for every spec in the repository. */
class PrettyPrinterTest {

    static Stream<Path> specs() {
        return Specs.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void roundTrips(Path spec) {
        SpecFile original = parse("spec.net", Specs.read(spec));
        String printed = PrettyPrinter.print(original);
        SpecFile reparsed = parse("spec.net", printed);
        assertThat(withoutPositions(reparsed)).isEqualTo(withoutPositions(original));
        // Printing is a fixed point: canonical text prints as itself.
        assertThat(PrettyPrinter.print(reparsed)).isEqualTo(printed);
    }

    @Test
    void keepsPrecedenceWithMinimalParentheses() {
        String source = "model M = N(a: (1 + 2) * 3, b: 2 ^ 3 ^ 2, c: (2 ^ 3) ^ 2, d: -(1 - 2) - 3,"
                + " e: !(true || false) && true, f: 1 - (2 - 3), g: (if (true) 1 else 2) + 1);\n";
        String printed = PrettyPrinter.print(parse("t.net", source));
        assertThat(printed).isEqualTo(source);
    }

    @Test
    void keepsDocCommentsAndBreaksLongChains() {
        String source = """
                /** Stem. */
                block Stem(filters: int = 64) {
                    return x -> conv1: conv(filters, 7x7, stride: 2, padding: 3, bias: false) -> bn1: batchnorm -> relu -> maxpool(3x3, stride: 2, padding: 1)
                }
                """;
        String printed = PrettyPrinter.print(parse("t.net", source));
        assertThat(printed).isEqualTo("""
                /**
                 * Stem.
                 */
                block Stem(filters: int = 64) {
                    return x
                        -> conv1: conv(filters, 7x7, stride: 2, padding: 3, bias: false)
                        -> bn1: batchnorm
                        -> relu
                        -> maxpool(3x3, stride: 2, padding: 1)
                }
                """);
    }

    private static SpecFile parse(String name, String text) {
        Diagnostics diagnostics = new Diagnostics();
        Optional<SpecFile> file = SpecParser.parse(new SourceText(name, text), diagnostics);
        assertThat(diagnostics.format()).isEmpty();
        return file.orElseThrow();
    }

    /** The same tree with every position replaced by {@link Pos#NONE}, rebuilt through record constructors. */
    static Object withoutPositions(Object node) {
        if (node instanceof Pos) {
            return Pos.NONE;
        }
        if (node instanceof List<?> list) {
            return list.stream().map(PrettyPrinterTest::withoutPositions).toList();
        }
        if (node instanceof Optional<?> opt) {
            return opt.map(PrettyPrinterTest::withoutPositions);
        }
        if (node instanceof Record record) {
            try {
                RecordComponent[] components = record.getClass().getRecordComponents();
                Object[] values = new Object[components.length];
                Class<?>[] types = new Class<?>[components.length];
                for (int i = 0; i < components.length; i++) {
                    values[i] = withoutPositions(components[i].getAccessor().invoke(record));
                    types[i] = components[i].getType();
                }
                var constructor = record.getClass().getDeclaredConstructor(types);
                constructor.setAccessible(true);
                return constructor.newInstance(values);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
        return node;
    }
}
