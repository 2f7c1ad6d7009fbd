package org.netspec.codegen;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.netspec.dsl.ops.Type;
import org.netspec.dsl.syntax.Expr;
import org.netspec.dsl.syntax.Stmt;

/**
 * The static locals a generated {@code compute} needs: those its loops and run-time conditions
 * read, and what those are computed from. A local that only configures layers ({@code inner =
 * filters * base_width / 64 * groups}) stays in the constructor.
 */
final class RuntimeNames {
    private RuntimeNames() {}

    static Set<String> of(List<Stmt> body, org.netspec.dsl.types.Types types, Predicate<Expr.If> runsCondition) {
        Set<String> needed = new HashSet<>();
        Map<String, List<Expr>> staticSources = new java.util.HashMap<>();
        collect(body, types, runsCondition, needed, staticSources);
        List<String> work = new java.util.ArrayList<>(needed);
        while (!work.isEmpty()) {
            for (Expr source : staticSources.getOrDefault(work.remove(work.size() - 1), List.of())) {
                Set<String> names = new HashSet<>();
                names(source, names);
                for (String n : names) {
                    if (needed.add(n)) {
                        work.add(n);
                    }
                }
            }
        }
        return needed;
    }

    private static void collect(List<Stmt> body, org.netspec.dsl.types.Types types, Predicate<Expr.If> runsCondition,
                                Set<String> needed, Map<String, List<Expr>> staticSources) {
        for (Stmt stmt : body) {
            if (stmt instanceof Stmt.For f) {
                names(f.iterable(), needed);
                collect(f.body(), types, runsCondition, needed, staticSources);
            } else if (stmt instanceof Stmt.Assign a && types.of(a.value()).isStatic()) {
                staticSources.computeIfAbsent(a.name(), k -> new java.util.ArrayList<>()).add(a.value());
            } else {
                Expr value = stmt instanceof Stmt.Assign a ? a.value() : ((Stmt.Return) stmt).value();
                conditions(value, types, runsCondition, needed);
            }
        }
    }

    /** Names read by the conditions of tensor {@code if}s that running evaluates. */
    private static void conditions(Expr e, org.netspec.dsl.types.Types types, Predicate<Expr.If> runsCondition,
                                   Set<String> needed) {
        if (e instanceof Expr.If i) {
            if (types.of(i) == Type.TENSOR && runsCondition.test(i)) {
                names(i.cond(), needed);
            }
            conditions(i.then(), types, runsCondition, needed);
            conditions(i.otherwise(), types, runsCondition, needed);
        } else if (e instanceof Expr.Pipe p) {
            conditions(p.input(), types, runsCondition, needed);
            conditions(p.step(), types, runsCondition, needed);
        } else if (e instanceof Expr.Call c) {
            c.args().forEach(a -> conditions(a.value(), types, runsCondition, needed));
        } else if (e instanceof Expr.Binary b) {
            conditions(b.left(), types, runsCondition, needed);
            conditions(b.right(), types, runsCondition, needed);
        }
    }

    /** Every name an expression mentions. */
    private static void names(Expr e, Set<String> out) {
        if (e instanceof Expr.Name n) {
            out.add(n.name());
        } else if (e instanceof Expr.ListLit l) {
            l.items().forEach(i -> names(i, out));
        } else if (e instanceof Expr.Unary u) {
            names(u.operand(), out);
        } else if (e instanceof Expr.Binary b) {
            names(b.left(), out);
            names(b.right(), out);
        } else if (e instanceof Expr.If i) {
            names(i.cond(), out);
            names(i.then(), out);
            names(i.otherwise(), out);
        } else if (e instanceof Expr.Pipe p) {
            names(p.input(), out);
            names(p.step(), out);
        } else if (e instanceof Expr.Call c) {
            names(c.callee(), out);
            c.args().forEach(a -> names(a.value(), out));
        } else if (e instanceof Expr.Index ix) {
            names(ix.target(), out);
            names(ix.index(), out);
        }
    }
}
