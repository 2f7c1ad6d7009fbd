package org.netspec.dsl;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.diag.Diagnostics;
import org.netspec.dsl.diag.Pos;
import org.netspec.dsl.diag.SourceText;
import org.netspec.dsl.elab.Elaborator;
import org.netspec.dsl.elab.Names;
import org.netspec.dsl.elab.Unit;
import org.netspec.dsl.ir.ModelGraph;
import org.netspec.dsl.ir.Shape;
import org.netspec.dsl.syntax.Definition;
import org.netspec.dsl.syntax.Expr;
import org.netspec.dsl.syntax.SpecFile;
import org.netspec.dsl.syntax.SpecParser;
import org.netspec.dsl.types.Types;

/** Checked spec files, ready to elaborate models from. */
public final class Program {
    private final Diagnostics diagnostics;
    private final List<Unit> roots;
    private final Types types;
    private final boolean failed;
    private final java.util.Map<String, String> sources;
    /** Definitions free of errors, with all they use: elaborated even when others have errors. */
    private final java.util.Set<Definition> sound;

    Program(Diagnostics diagnostics, List<Unit> roots, Types types, boolean failed,
            java.util.Map<String, String> sources, java.util.Set<Definition> sound) {
        this.sound = java.util.Set.copyOf(sound);
        this.diagnostics = diagnostics;
        this.roots = List.copyOf(roots);
        this.types = types;
        this.failed = failed;
        this.sources = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sources));
    }

    /** Display name to text of every spec that was read: the given files and everything they import. */
    public java.util.Map<String, String> sources() {
        return sources;
    }

    /** The root files with the definitions each can see (for the code generator). */
    public List<org.netspec.dsl.elab.Unit> units() {
        return roots;
    }

    /** Static types of the root files' definitions, expression by expression (for the code generator). */
    public Types types() {
        return types;
    }

    public Diagnostics diagnostics() {
        return diagnostics;
    }

    public boolean ok() {
        return !failed && !diagnostics.hasErrors();
    }

    public List<SpecFile> files() {
        return roots.stream().map(Unit::file).toList();
    }

    /** Models defined in the root files, in order. */
    public List<Definition.Model> models() {
        List<Definition.Model> models = new ArrayList<>();
        for (Unit unit : roots) {
            for (Definition def : unit.file().definitions()) {
                if (def instanceof Definition.Model m) {
                    models.add(m);
                }
            }
        }
        return models;
    }

    /**
     * Elaborates every model of the root files at its declared input; models without one are
     * skipped. When some definitions have errors, the models that use none of them are still
     * elaborated, so that one run reports their shape errors too.
     */
    public List<ModelGraph> elaborateAll() {
        List<ModelGraph> graphs = new ArrayList<>();
        for (Unit unit : roots) {
            for (Definition def : unit.file().definitions()) {
                if (def instanceof Definition.Model m && (ok() || sound.contains(m))) {
                    Elaborator.elaborate(m.name(), unit, m.value(), m.input().map(s -> new Shape(s.dims())),
                            m.pos(), diagnostics, false).ifPresent(graphs::add);
                }
            }
        }
        return graphs;
    }

    /**
     * Elaborates a model named in the first root file, or a call written in the language
     * ({@code ResNet(block: BasicBlock, stages: [2, 2, 2, 2], filters: 16, classes: 10)}).
     */
    public Optional<ModelGraph> elaborate(String modelOrCall, Optional<Shape> input) {
        if (!ok() || roots.isEmpty()) {
            return Optional.empty();
        }
        // Definitions of every root file are in scope; on a clash the earlier file wins.
        Unit scope = new Unit(roots.get(0).file());
        for (Unit root : roots) {
            root.visible().forEach(scope.visible()::putIfAbsent);
        }
        String trimmed = modelOrCall.strip();
        if (trimmed.matches("[A-Za-z_][A-Za-z_0-9]*")) {
            Unit.Owned owned = scope.visible().get(trimmed);
            if (owned != null && owned.def() instanceof Definition.Model m) {
                return Elaborator.elaborate(m.name(), owned.unit(), m.value(),
                        input.or(() -> m.input().map(s -> new Shape(s.dims()))), m.pos(), diagnostics);
            }
            if (owned == null) {
                List<String> models = scope.visible().values().stream()
                        .filter(o -> o.def() instanceof Definition.Model).map(o -> o.def().name()).sorted().toList();
                diagnostics.error(Code.NS050, Pos.of("<command line>", 1, 1), "no model '" + trimmed + "' in "
                        + String.join(", ", roots.stream().map(r -> r.file().path()).toList())
                        + Names.suggestion(trimmed, models)
                        + (models.isEmpty() ? "" : " (models: " + String.join(", ", models) + ")"));
                return Optional.empty();
            }
        }
        // A call: parse it on its own and evaluate it where the root files' definitions are visible.
        Optional<Expr> call = SpecParser.parseExpression(new SourceText("<command line>", trimmed), diagnostics);
        if (call.isEmpty()) {
            return Optional.empty();
        }
        String name = trimmed.contains("(") ? trimmed.substring(0, trimmed.indexOf('(')).strip() : trimmed;
        return Elaborator.elaborate(name, scope, call.get(), input, call.get().pos(), diagnostics);
    }
}
