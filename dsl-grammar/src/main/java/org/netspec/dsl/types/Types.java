package org.netspec.dsl.types;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.netspec.dsl.ops.Type;
import org.netspec.dsl.syntax.Expr;
import org.netspec.dsl.syntax.Stmt;

/**
 * The static type of every expression of every block, network and model body, what every name
 * refers to, and which assignments introduce a name — recorded once, on the loop-preserving
 * syntax tree, by {@link TypePass}. The code generator reads these instead of inferring its own.
 */
public final class Types {
    private final Map<Expr, Type> types = new IdentityHashMap<>();
    private final Map<Expr.Name, Ref> refs = new IdentityHashMap<>();
    private final Set<Stmt.Assign> declarations = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    /** The type of {@code expr}; UNKNOWN for an expression the pass did not see. */
    public Type of(Expr expr) {
        return types.getOrDefault(expr, Type.UNKNOWN);
    }

    public Ref ref(Expr.Name name) {
        return refs.getOrDefault(name, new Ref.Unknown());
    }

    /** Whether this assignment introduces its name (the first assignment in its scope). */
    public boolean declares(Stmt.Assign assign) {
        return declarations.contains(assign);
    }

    /** Whether {@code expr} names the built-in op {@code op} (not a local or definition of that name). */
    public boolean isOp(Expr expr, String op) {
        return expr instanceof Expr.Name n && ref(n) instanceof Ref.BuiltinOp b && b.op().name().equals(op);
    }

    Type record(Expr expr, Type type) {
        types.put(expr, type);
        return type;
    }

    void resolve(Expr.Name name, Ref ref) {
        refs.put(name, ref);
    }

    void declare(Stmt.Assign assign) {
        declarations.add(assign);
    }
}
