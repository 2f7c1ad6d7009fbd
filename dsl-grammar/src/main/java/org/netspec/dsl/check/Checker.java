package org.netspec.dsl.check;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.diag.Diagnostics;
import org.netspec.dsl.diag.Pos;
import org.netspec.dsl.elab.Names;
import org.netspec.dsl.elab.Unit;
import org.netspec.dsl.ops.OpRegistry;
import org.netspec.dsl.ops.Type;
import org.netspec.dsl.syntax.Definition;
import org.netspec.dsl.syntax.Expr;
import org.netspec.dsl.syntax.Stmt;

/**
 * Static checks over every definition, used or not: which definitions each file sees,
 * duplicates, parameter types, name resolution in order of assignment, keyword arguments of
 * direct calls, where {@code return} stands, and recursion between blocks. Types, arity and
 * shapes of values need static evaluation and are checked by the elaborator.
 */
public final class Checker {
    private final Diagnostics diagnostics;
    /** Which definitions each definition's body names, for the recursion check. */
    private final Map<Definition, List<Ref>> uses = new LinkedHashMap<>();

    private record Ref(Unit.Owned target, Pos pos) {}

    /** Definitions with an error of their own; the one being checked. */
    private final Set<Definition> faulty = new HashSet<>();
    private Definition current;

    private Checker(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
    }

    /**
     * Fills each unit's visible definitions and reports what is wrong. Returns the sound
     * definitions: those without an error that use (directly or not) only sound ones — the models
     * among them can still be elaborated, so that their shape errors show beside the name errors
     * of others in the same run.
     *
     * @param imports for each unit, the units it imports directly, in import order
     */
    public static Set<Definition> check(List<Unit> units, Map<Unit, List<Unit>> imports, Diagnostics diagnostics) {
        Checker checker = new Checker(diagnostics);
        for (Unit unit : units) {
            checker.declare(unit, imports.getOrDefault(unit, List.of()));
        }
        for (Unit unit : units) {
            for (Definition def : unit.file().definitions()) {
                checker.definition(def, unit);
            }
        }
        checker.current = null;
        checker.recursion();
        Set<Definition> sound = new HashSet<>();
        for (Definition def : checker.uses.keySet()) {
            if (checker.sound(def, new HashSet<>())) {
                sound.add(def);
            }
        }
        return sound;
    }

    private boolean sound(Definition def, Set<Definition> seen) {
        if (faulty.contains(def) || !seen.add(def)) {
            return !faulty.contains(def);
        }
        for (Ref ref : uses.getOrDefault(def, List.of())) {
            if (!sound(ref.target().def(), seen)) {
                return false;
            }
        }
        return true;
    }

    private void declare(Unit unit, List<Unit> imported) {
        for (Definition def : unit.file().definitions()) {
            Unit.Owned first = unit.visible().get(def.name());
            if (first != null) {
                faulty.add(def);
                faulty.add(first.def());
                error(Code.NS021, def.pos(), "'" + def.name() + "' is already defined at " + first.def().pos());
            } else if (isBuiltin(def.name())) {
                error(Code.NS021, def.pos(), "'" + def.name() + "' is the name of a built-in op or function");
            } else {
                unit.visible().put(def.name(), new Unit.Owned(def, unit));
            }
        }
        for (int i = 0; i < imported.size(); i++) {
            Unit other = imported.get(i);
            Pos importPos = unit.file().imports().get(i).pos();
            for (Definition def : other.file().definitions()) {
                Unit.Owned existing = unit.visible().get(def.name());
                if (existing == null) {
                    unit.visible().put(def.name(), new Unit.Owned(def, other));
                } else if (existing.unit() != unit && existing.def() != def) {
                    // A file's own definitions shadow imported ones (a library adding a model must
                    // not break its users); two imports defining one name are ambiguous.
                    error(Code.NS021, importPos, "'" + def.name() + "' is defined both at " + existing.def().pos()
                            + " and at " + def.pos());
                }
            }
        }
    }

    private static boolean isBuiltin(String name) {
        return OpRegistry.isBuiltin(name);
    }

    // ------------------------------------------------------------------ definitions

    private void definition(Definition def, Unit unit) {
        List<Ref> refs = new ArrayList<>();
        uses.put(def, refs);
        current = def;
        Scope scope = new Scope(null, unit, refs);
        if (def instanceof Definition.Model m) {
            expr(m.value(), scope);
        } else if (def instanceof Definition.Block b) {
            body(b, b.params(), b.body(), scope);
        } else if (def instanceof Definition.Network n) {
            body(n, n.params(), n.body(), scope);
        }
    }

    private void body(Definition def, List<Definition.Param> params, List<Stmt> body, Scope scope) {
        Set<String> seen = new HashSet<>();
        for (Definition.Param p : params) {
            if (!seen.add(p.name())) {
                error(Code.NS022, p.pos(), "parameter '" + p.name() + "' is declared twice");
            }
            if (p.name().equals("x")) {
                error(Code.NS022, p.pos(), "'x' is the input of every block and network; choose another parameter name");
            }
            if (Type.declared(p.type().name(), p.type().list()) == null) {
                error(Code.NS028, p.type().pos(), "unknown type '" + p.type() + "'"
                        + Names.suggestion(p.type().name(), Type.declarableNames()));
            }
            p.defaultValue().ifPresent(d -> expr(d, scope));
            scope.define(p.name(), false);
        }
        scope.define("x", true);
        statements(body, scope, true);
        if (body.isEmpty() || !(body.get(body.size() - 1) instanceof Stmt.Return)) {
            error(Code.NS037, def.pos(), def.name() + " does not end with `return`");
        }
    }

    private void statements(List<Stmt> body, Scope scope, boolean topLevel) {
        for (int i = 0; i < body.size(); i++) {
            Stmt stmt = body.get(i);
            if (stmt instanceof Stmt.Assign a) {
                    expr(a.value(), scope);
                    Boolean assignable = scope.lookup(a.name());
                    if (assignable == null) {
                        scope.define(a.name(), true);
                    } else if (!assignable) {
                        error(Code.NS029, a.pos(), "cannot assign to '" + a.name() + "': it is a parameter or loop variable");
                    }
            } else if (stmt instanceof Stmt.For f) {
                    expr(f.iterable(), scope);
                    Scope inner = new Scope(scope, scope.unit, scope.refs);
                    f.index().ifPresent(name -> inner.define(name, false));
                    inner.define(f.item(), false);
                    statements(f.body(), inner, false);
            } else if (stmt instanceof Stmt.Return r) {
                    expr(r.value(), scope);
                    if (!topLevel || i != body.size() - 1) {
                        error(Code.NS037, r.pos(), "`return` must be the last statement of the body");
                    }
            }
        }
    }

    private void expr(Expr expr, Scope scope) {
        if (expr instanceof Expr.Name n) {
            name(n, scope);
        } else if (expr instanceof Expr.ListLit l) {
            l.items().forEach(i -> expr(i, scope));
        } else if (expr instanceof Expr.Unary u) {
            expr(u.operand(), scope);
        } else if (expr instanceof Expr.Binary b) {
            expr(b.left(), scope);
            expr(b.right(), scope);
        } else if (expr instanceof Expr.If i) {
            expr(i.cond(), scope);
            expr(i.then(), scope);
            expr(i.otherwise(), scope);
        } else if (expr instanceof Expr.Pipe p) {
            expr(p.input(), scope);
            p.label().ifPresent(l -> l.parts().forEach(part -> part.computed().ifPresent(c -> expr(c, scope))));
            expr(p.step(), scope);
        } else if (expr instanceof Expr.Call c) {
            expr(c.callee(), scope);
            c.args().forEach(a -> expr(a.value(), scope));
            keywords(c, scope);
        } else if (expr instanceof Expr.Index ix) {
            expr(ix.target(), scope);
            expr(ix.index(), scope);
        } // literals name nothing
    }

    private void name(Expr.Name n, Scope scope) {
        if (scope.lookup(n.name()) != null) {
            return;
        }
        Unit.Owned def = scope.unit.visible().get(n.name());
        if (def != null) {
            scope.refs.add(new Ref(def, n.pos()));
            return;
        }
        if (isBuiltin(n.name())) {
            return;
        }
        Set<String> known = new TreeSet<>(scope.names());
        known.addAll(scope.unit.visible().keySet());
        known.addAll(OpRegistry.names());
        error(Code.NS020, n.pos(), "unknown name '" + n.name() + "'" + Names.suggestion(n.name(), known));
    }

    /** Keyword arguments of a direct call of an op or definition must exist. */
    private void keywords(Expr.Call c, Scope scope) {
        if (!(c.callee() instanceof Expr.Name n) || scope.lookup(n.name()) != null) {
            return;
        }
        List<String> formals;
        String what = n.name();
        Unit.Owned def = scope.unit.visible().get(n.name());
        if (def != null) {
            formals = def.def() instanceof Definition.Block b ? b.params().stream().map(Definition.Param::name).toList()
                    : def.def() instanceof Definition.Network w ? w.params().stream().map(Definition.Param::name).toList()
                    : null;
        } else if (OpRegistry.op(n.name()) != null) {
            formals = OpRegistry.op(n.name()).paramNames();
        } else {
            return;
        }
        if (formals == null) {
            error(Code.NS034, n.pos(), "model " + what + " cannot be called; call its network instead");
            return;
        }
        for (Expr.Arg a : c.args()) {
            a.name().filter(k -> !formals.contains(k)).ifPresent(k -> error(Code.NS024, a.pos(),
                    what + " has no parameter '" + k + "'" + Names.suggestion(k, formals)));
        }
    }

    // ------------------------------------------------------------------ recursion

    private void recursion() {
        Set<Definition> done = new HashSet<>();
        for (Definition def : uses.keySet()) {
            List<Definition> path = new ArrayList<>();
            visit(def, path, done);
        }
    }

    private void visit(Definition def, List<Definition> path, Set<Definition> done) {
        if (done.contains(def)) {
            return;
        }
        path.add(def);
        for (Ref ref : uses.getOrDefault(def, List.of())) {
            Definition target = ref.target().def();
            int at = path.indexOf(target);
            if (at >= 0) {
                List<String> cycle = new ArrayList<>(path.subList(at, path.size()).stream().map(Definition::name).toList());
                cycle.add(target.name());
                faulty.addAll(path.subList(at, path.size()));
                error(Code.NS025, ref.pos(), target.name() + " uses itself: " + String.join(" -> ", cycle));
            } else {
                visit(target, path, done);
            }
        }
        path.remove(path.size() - 1);
        done.add(def);
    }

    private void error(Code code, Pos pos, String message) {
        if (current != null) {
            faulty.add(current);
        }
        diagnostics.error(code, pos, message);
    }

    /** Names in scope, each either assignable (locals, x) or not (parameters, loop variables). */
    private static final class Scope {
        final Scope parent;
        final Unit unit;
        final List<Ref> refs;
        final Map<String, Boolean> names = new LinkedHashMap<>();

        Scope(Scope parent, Unit unit, List<Ref> refs) {
            this.parent = parent;
            this.unit = unit;
            this.refs = refs;
        }

        void define(String name, boolean assignable) {
            names.put(name, assignable);
        }

        Boolean lookup(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                Boolean b = s.names.get(name);
                if (b != null) {
                    return b;
                }
            }
            return null;
        }

        Set<String> names() {
            Set<String> all = new TreeSet<>();
            for (Scope s = this; s != null; s = s.parent) {
                all.addAll(s.names.keySet());
            }
            return all;
        }
    }
}
