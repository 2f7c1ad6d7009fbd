package org.netspec.dsl.types;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.netspec.dsl.elab.Unit;
import org.netspec.dsl.ops.Op;
import org.netspec.dsl.ops.OpRegistry;
import org.netspec.dsl.ops.Type;
import org.netspec.dsl.syntax.BinaryOp;
import org.netspec.dsl.syntax.Definition;
import org.netspec.dsl.syntax.Expr;
import org.netspec.dsl.syntax.Stmt;

/**
 * Types the bodies of checked definitions without expanding anything: loops stay loops, so
 * one type per expression holds for every iteration. Runs after the checker has reported
 * names and structure; what it cannot type (after an error) is UNKNOWN.
 */
public final class TypePass {
    private final Types types;
    private final Unit unit;
    private final Deque<Map<String, Type>> scopes = new ArrayDeque<>();

    private TypePass(Types types, Unit unit) {
        this.types = types;
        this.unit = unit;
    }

    /** Types every definition of the given units into {@code types}. */
    public static void run(List<Unit> units, Types types) {
        for (Unit unit : units) {
            for (Definition def : unit.file().definitions()) {
                new TypePass(types, unit).definition(def);
            }
        }
    }

    private void definition(Definition def) {
        scopes.push(new HashMap<>());
        if (def instanceof Definition.Model m) {
            scope().put("x", Type.TENSOR);
            expr(m.value());
            return;
        }
        List<Definition.Param> params = def instanceof Definition.Block b ? b.params()
                : ((Definition.Network) def).params();
        List<Stmt> body = def instanceof Definition.Block b ? b.body() : ((Definition.Network) def).body();
        for (Definition.Param p : params) {
            scope().put(p.name(), declared(p));
        }
        scope().put("x", Type.TENSOR);
        params.forEach(p -> p.defaultValue().ifPresent(this::expr));
        statements(body);
    }

    public static Type declared(Definition.Param p) {
        Type t = Type.declared(p.type().name(), p.type().list());
        return t == null ? Type.UNKNOWN : t;
    }

    private Map<String, Type> scope() {
        return scopes.peek();
    }

    private Type local(String name) {
        for (Map<String, Type> s : scopes) {
            Type t = s.get(name);
            if (t != null) {
                return t;
            }
        }
        return null;
    }

    private void statements(List<Stmt> body) {
        for (Stmt stmt : body) {
            if (stmt instanceof Stmt.Assign a) {
                Type t = expr(a.value());
                if (local(a.name()) == null) {
                    scope().put(a.name(), t);
                    types.declare(a);
                }
            } else if (stmt instanceof Stmt.For f) {
                Type iterable = expr(f.iterable());
                Map<String, Type> inner = new HashMap<>();
                f.index().ifPresent(i -> inner.put(i, Type.INT));
                inner.put(f.item(), iterable.element());
                scopes.push(inner);
                statements(f.body());
                scopes.pop();
            } else {
                expr(((Stmt.Return) stmt).value());
            }
        }
    }

    /** Types {@code expr} and everything inside it; returns its type. */
    private Type expr(Expr expr) {
        return types.record(expr, typeOf(expr));
    }

    private Type typeOf(Expr expr) {
        if (expr instanceof Expr.IntLit) {
            return Type.INT;
        } else if (expr instanceof Expr.FloatLit) {
            return Type.FLOAT;
        } else if (expr instanceof Expr.BoolLit) {
            return Type.BOOL;
        } else if (expr instanceof Expr.StringLit) {
            return Type.STRING;
        } else if (expr instanceof Expr.SizeLit) {
            return Type.SIZE;
        } else if (expr instanceof Expr.Name n) {
            return name(n);
        } else if (expr instanceof Expr.ListLit l) {
            List<Type> items = l.items().stream().map(this::expr).toList();
            return items.stream().allMatch(t -> t == Type.INT) ? Type.INT_LIST
                    : items.stream().allMatch(t -> t == Type.BOOL) ? Type.BOOL_LIST : Type.FLOAT_LIST;
        } else if (expr instanceof Expr.Unary u) {
            Type operand = expr(u.operand());
            return u.op().equals("!") ? Type.BOOL : operand;
        } else if (expr instanceof Expr.Binary b) {
            return binary(b);
        } else if (expr instanceof Expr.If i) {
            expr(i.cond());
            Type then = expr(i.then());
            Type otherwise = expr(i.otherwise());
            return then == Type.UNKNOWN ? otherwise : then;
        } else if (expr instanceof Expr.Pipe p) {
            expr(p.input());
            p.label().ifPresent(l -> l.parts().forEach(part -> part.computed().ifPresent(this::expr)));
            expr(p.step());
            return Type.TENSOR;
        } else if (expr instanceof Expr.Index ix) {
            Type list = expr(ix.target());
            expr(ix.index());
            return list.element();
        } else if (expr instanceof Expr.Call c) {
            return call(c);
        }
        return Type.UNKNOWN;
    }

    private Type name(Expr.Name n) {
        Type local = local(n.name());
        Ref ref;
        Type type;
        Unit.Owned owned = unit.visible().get(n.name());
        Op op = OpRegistry.op(n.name());
        if (local != null) {
            ref = new Ref.Local(local);
            type = local;
        } else if (owned != null) {
            ref = new Ref.Definition(owned);
            type = Type.BLOCK;
        } else if (op != null) {
            ref = new Ref.BuiltinOp(op);
            type = Type.OP;
        } else if (OpRegistry.FUNCTIONS.containsKey(n.name())) {
            ref = new Ref.Function(OpRegistry.FUNCTIONS.get(n.name()));
            type = Type.FUNCTION;
        } else if (OpRegistry.CONSTANTS.containsKey(n.name())) {
            OpRegistry.Constant c = OpRegistry.CONSTANTS.get(n.name());
            ref = new Ref.Constant(c);
            type = c.type();
        } else {
            ref = new Ref.Unknown();
            type = Type.UNKNOWN;
        }
        types.resolve(n, ref);
        return type;
    }

    private Type binary(Expr.Binary b) {
        Type l = expr(b.left());
        Type r = expr(b.right());
        if (b.op().isComparison() || b.op().isLogical()) {
            return Type.BOOL;
        }
        return l == Type.TENSOR || r == Type.TENSOR ? Type.TENSOR
                : l == Type.FLOAT || r == Type.FLOAT || b.op() == BinaryOp.POW && l != Type.INT ? Type.FLOAT : Type.INT;
    }

    /**
     * A function's result; a tensor when the first argument is a tensor (the call applies);
     * a block when a definition gets only keywords and misses a required one (partial); else a
     * configured layer.
     */
    private Type call(Expr.Call c) {
        Type callee = expr(c.callee());
        List<Type> args = c.args().stream().map(a -> expr(a.value())).toList();
        if (callee == Type.FUNCTION) {
            return OpRegistry.FUNCTIONS.get(((Expr.Name) c.callee()).name()).returns();
        }
        if (!c.args().isEmpty() && c.args().get(0).name().isEmpty() && args.get(0) == Type.TENSOR) {
            return Type.TENSOR;
        }
        if (c.callee() instanceof Expr.Name n && types.ref(n) instanceof Ref.Definition d && !c.args().isEmpty()
                && c.args().stream().allMatch(a -> a.name().isPresent())) {
            List<Definition.Param> ps = d.owned().def() instanceof Definition.Block bl ? bl.params()
                    : d.owned().def() instanceof Definition.Network nw ? nw.params() : List.of();
            boolean missing = ps.stream().anyMatch(p -> p.defaultValue().isEmpty()
                    && c.args().stream().noneMatch(a -> a.name().get().equals(p.name())));
            if (missing) {
                return Type.BLOCK;
            }
        }
        return Type.LAYER;
    }
}
