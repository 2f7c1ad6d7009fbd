package org.netspec.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.netspec.dsl.diag.Diagnostic;

/**
 * Seeded mutation fuzzing of the whole front end over every valid spec in the repository:
 * 10,000 mutants (deleted, duplicated, swapped and inserted tokens and bytes, truncation).
 * Property: the front end never throws, and a rejected input always carries at least one
 * error with a sane position. Failing inputs are printed with their seed for reproduction.
 */
class FuzzTest {
    private static final int MUTANTS = 10_000;
    private static final String[] TOKENS = {"block", "network", "model", "import", "input", "for", "in", "if", "else",
            "return", "->", "(", ")", "{", "}", "[", "]", ",", ":", ";", ".", "=", "==", "+", "-", "*", "/", "^", "&&",
            "||", "!", "<", "3x3", "1x1", "0", "1", "2", "64", "2147483648", "1.5", "1e400", "\"", "\"s.net\"", "x",
            "y", "conv", "batchnorm", "relu", "dense", "mean", "spatial", "same", "stride:", "padding:", "layer{",
            "{i}", "BasicBlock", "ResNet", "/*", "*/", "/**", "//", "\n", "\u0000", "\u00e9", "\uffff"};

    @Test
    void onlyDiagnosticsComeOut() {
        List<Path> specs = Specs.all();
        assertThat(specs).isNotEmpty();
        List<String> sources = specs.stream().map(Specs::read).toList();
        SplittableRandom random = new SplittableRandom(20261127);
        int rejected = 0;
        for (int i = 0; i < MUTANTS; i++) {
            int which = random.nextInt(sources.size());
            long seed = random.nextLong();
            String mutant = mutate(sources.get(which), new SplittableRandom(seed));
            Map<String, String> files = new LinkedHashMap<>();
            files.put(specs.get(which).getFileName().toString(), mutant);
            try {
                Program program = Frontend.loadSources(files, getClass().getClassLoader());
                // also when the mutant has errors: its sound models are elaborated all the same
                program.elaborateAll();
                if (!program.ok()) {
                    rejected++;
                    assertThat(program.diagnostics().errorCount()).isPositive();
                }
                for (Diagnostic d : program.diagnostics().all()) {
                    assertThat(d.pos().line()).isPositive();
                    assertThat(d.pos().column()).isPositive();
                    assertThat(d.format()).startsWith(d.pos().file() + ":");
                }
            } catch (Throwable t) {
                fail("mutant " + i + " of " + specs.get(which) + " (seed " + seed + ") threw " + t + "\n---\n"
                        + mutant, t);
            }
        }
        // The mutations must actually exercise the error paths, not only comments.
        assertThat(rejected).isGreaterThan(MUTANTS / 2);
    }

    static String mutate(String source, SplittableRandom random) {
        StringBuilder text = new StringBuilder(source);
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = text.length() == 0 ? 0 : random.nextInt(text.length());
            switch (random.nextInt(6)) {
                case 0 -> text.delete(at, Math.min(text.length(), at + 1 + random.nextInt(12)));
                case 1 -> text.insert(at, TOKENS[random.nextInt(TOKENS.length)]);
                case 2 -> {
                    int end = Math.min(text.length(), at + random.nextInt(40));
                    text.insert(at, text.substring(at, end));
                }
                case 3 -> {
                    if (text.length() > 1) {
                        int other = random.nextInt(text.length());
                        char c = text.charAt(at);
                        text.setCharAt(at, text.charAt(other));
                        text.setCharAt(other, c);
                    }
                }
                case 4 -> text.insert(at, (char) random.nextInt(0x80, 0x2FFF));
                default -> text.setLength(at);
            }
        }
        return text.toString();
    }

    @Test
    void mutationsAreDeterministic() {
        String a = mutate("block A() { return x }", new SplittableRandom(7));
        String b = mutate("block A() { return x }", new SplittableRandom(7));
        assertThat(a).isEqualTo(b);
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            seen.add(mutate("block A() { return x }", new SplittableRandom(i)));
        }
        assertThat(seen.stream().distinct().count()).isGreaterThan(10);
    }
}
