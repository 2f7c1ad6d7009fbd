package org.netspec.dsl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.netspec.dsl.check.Checker;
import org.netspec.dsl.types.TypePass;
import org.netspec.dsl.types.Types;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.diag.Diagnostics;
import org.netspec.dsl.diag.Pos;
import org.netspec.dsl.diag.SourceText;
import org.netspec.dsl.elab.Unit;
import org.netspec.dsl.syntax.SpecFile;
import org.netspec.dsl.syntax.SpecParser;

/**
 * The front end's entry point: reads spec files and everything they import (next to the
 * importing file first, then on the classpath), parses and checks them. Each stage reports all
 * of its findings and the next runs only when there were none.
 */
public final class Frontend {
    private final ClassLoader classpath;
    private final Diagnostics diagnostics = new Diagnostics();
    private final Map<String, Unit> units = new LinkedHashMap<>();
    private final Map<Unit, List<Unit>> imports = new HashMap<>();
    private final List<String> loading = new ArrayList<>();
    /** Display name to text of every spec read, for content-hash staleness checks. */
    private final Map<String, String> texts = new LinkedHashMap<>();

    private Frontend(ClassLoader classpath) {
        this.classpath = classpath;
    }

    /** Loads and checks {@code files}; spec imports not found on disk are looked up in {@code classpath}. */
    public static Program load(List<Path> files, ClassLoader classpath) {
        Frontend frontend = new Frontend(classpath);
        List<Unit> roots = new ArrayList<>();
        for (Path file : files) {
            frontend.loadFile(file, Pos.of(file.toString(), 1, 1), true).ifPresent(roots::add);
        }
        return frontend.finish(roots);
    }

    /** Loads in-memory sources (tests, fuzzing): name to text; imports resolve among them. */
    public static Program loadSources(Map<String, String> sources, ClassLoader classpath) {
        Frontend frontend = new Frontend(classpath);
        List<Unit> roots = new ArrayList<>();
        frontend.memory.putAll(sources);
        for (Map.Entry<String, String> e : sources.entrySet()) {
            frontend.loadText(e.getKey(), e.getKey(), e.getValue()).ifPresent(roots::add);
        }
        return frontend.finish(roots);
    }

    private final Map<String, String> memory = new HashMap<>();

    private Program finish(List<Unit> roots) {
        java.util.Set<org.netspec.dsl.syntax.Definition> sound = java.util.Set.of();
        if (!diagnostics.hasErrors()) {
            sound = Checker.check(new ArrayList<>(units.values()), imports, diagnostics);
        }
        Types types = new Types();
        if (!diagnostics.hasErrors()) {
            TypePass.run(roots, types);
        }
        return new Program(diagnostics, roots, types, diagnostics.hasErrors(), texts, sound);
    }

    private Optional<Unit> loadFile(Path file, Pos requestedAt, boolean root) {
        String key = file.toAbsolutePath().normalize().toString();
        if (units.containsKey(key)) {
            return Optional.of(units.get(key));
        }
        String display = file.normalize().toString();
        try {
            if (!Files.isRegularFile(file)) {
                diagnostics.error(root ? Code.NS005 : Code.NS026, requestedAt, "cannot read " + display + ": no such file");
                return Optional.empty();
            }
            long size = Files.size(file);
            if (size > SpecParser.MAX_BYTES) {
                diagnostics.error(Code.NS004, Pos.of(display, 1, 1), "file has " + size + " bytes; specs are limited to "
                        + SpecParser.MAX_BYTES);
                return Optional.empty();
            }
            return decode(key, display, Files.readAllBytes(file));
        } catch (IOException e) {
            diagnostics.error(Code.NS005, requestedAt, "cannot read " + display + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<Unit> loadResource(String name, Pos requestedAt) {
        String key = "classpath:" + name;
        if (units.containsKey(key)) {
            return Optional.of(units.get(key));
        }
        try (InputStream in = classpath.getResourceAsStream(name)) {
            if (in == null) {
                diagnostics.error(Code.NS005, requestedAt, "cannot read " + key);
                return Optional.empty();
            }
            byte[] bytes = in.readNBytes(SpecParser.MAX_BYTES + 1);
            if (bytes.length > SpecParser.MAX_BYTES) {
                diagnostics.error(Code.NS004, requestedAt, key + " is larger than " + SpecParser.MAX_BYTES + " bytes");
                return Optional.empty();
            }
            return decode(key, key, bytes);
        } catch (IOException e) {
            diagnostics.error(Code.NS005, requestedAt, "cannot read " + key + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<Unit> decode(String key, String display, byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            diagnostics.error(Code.NS005, Pos.of(display, 1, 1), "file is not UTF-8 text; is it a binary file?");
            return Optional.empty();
        }
        return loadText(key, display, text);
    }

    private Optional<Unit> loadText(String key, String display, String text) {
        if (units.containsKey(key)) {
            return Optional.of(units.get(key));
        }
        texts.put(display, text);
        Optional<SpecFile> parsed = SpecParser.parse(new SourceText(display, text), diagnostics);
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        Unit unit = new Unit(parsed.get());
        units.put(key, unit);
        loading.add(key);
        List<Unit> direct = new ArrayList<>();
        for (SpecFile.Import imp : parsed.get().imports()) {
            resolveImport(key, display, imp).ifPresent(direct::add);
        }
        loading.remove(loading.size() - 1);
        imports.put(unit, direct);
        return Optional.of(unit);
    }

    private Optional<Unit> resolveImport(String fromKey, String fromDisplay, SpecFile.Import imp) {
        String target = imp.path();
        if (memory.containsKey(target)) {
            return cycleChecked(target, imp, () -> loadText(target, target, memory.get(target)));
        }
        if (!fromKey.startsWith("classpath:") && !memory.containsKey(fromKey)) {
            Path sibling = Path.of(fromDisplay).resolveSibling(target);
            if (Files.isRegularFile(sibling)) {
                String key = sibling.toAbsolutePath().normalize().toString();
                return cycleChecked(key, imp, () -> loadFile(sibling, imp.pos(), false));
            }
        }
        String resource = target.startsWith("/") ? target.substring(1) : target;
        if (classpath.getResource(resource) == null) {
            diagnostics.error(Code.NS026, imp.pos(), "cannot find \"" + target + "\" next to " + fromDisplay
                    + " or on the classpath");
            return Optional.empty();
        }
        return cycleChecked("classpath:" + resource, imp, () -> loadResource(resource, imp.pos()));
    }

    private Optional<Unit> cycleChecked(String key, SpecFile.Import imp, java.util.function.Supplier<Optional<Unit>> load) {
        int at = loading.indexOf(key);
        if (at >= 0) {
            List<String> cycle = new ArrayList<>();
            for (String k : loading.subList(at, loading.size())) {
                cycle.add(displayOf(k));
            }
            cycle.add(displayOf(key));
            diagnostics.error(Code.NS027, imp.pos(), "import cycle: " + String.join(" -> ", cycle));
            return Optional.empty();
        }
        return load.get();
    }

    private String displayOf(String key) {
        Unit unit = units.get(key);
        return unit == null ? key : unit.file().path();
    }
}
