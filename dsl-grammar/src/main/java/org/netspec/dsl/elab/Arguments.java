package org.netspec.dsl.elab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.diag.Diagnostics;
import org.netspec.dsl.diag.Pos;
import org.netspec.dsl.elab.Value.BoolV;
import org.netspec.dsl.elab.Value.BoundArg;
import org.netspec.dsl.elab.Value.DefV;
import org.netspec.dsl.elab.Value.EnumV;
import org.netspec.dsl.elab.Value.ErrorV;
import org.netspec.dsl.elab.Value.FloatV;
import org.netspec.dsl.elab.Value.IntV;
import org.netspec.dsl.elab.Value.LayerV;
import org.netspec.dsl.elab.Value.ListV;
import org.netspec.dsl.elab.Value.OpV;
import org.netspec.dsl.elab.Value.PartialV;
import org.netspec.dsl.elab.Value.SizeV;
import org.netspec.dsl.elab.Value.StringV;
import org.netspec.dsl.ops.OpRegistry;
import org.netspec.dsl.ops.Param;
import org.netspec.dsl.ops.Type;
import org.netspec.dsl.syntax.Definition;
import org.netspec.dsl.syntax.Expr;

/**
 * Binds a call's positional and keyword arguments to an op's or block's parameters: each
 * coerced to its parameter's type, defaults filled in declaration order (a block's defaults may
 * use its earlier parameters).
 */
final class Arguments {
    /** Evaluates a block parameter's default, seeing the parameters bound before it. */
    interface Defaults {
        Value eval(Expr expr, Map<String, Value> earlier, Unit unit);
    }

    private final Diagnostics diagnostics;
    private final Defaults defaults;

    Arguments(Diagnostics diagnostics, Defaults defaults) {
        this.diagnostics = diagnostics;
        this.defaults = defaults;
    }

    /** A parameter of an op or a block as argument binding sees it. */
    private record Formal(String name, Type type, boolean required, Expr defaultExpr, Value defaultValue) {}

    /** The configured layer, or null after reporting what is wrong. */
    LayerV configure(Value callee, List<BoundArg> args, Pos pos) {
        String what = callee instanceof OpV op ? op.op().name() : ((DefV) callee).def().name();
        List<Formal> formals = formals(callee);
        if (formals == null) {
            return null; // an unknown parameter type, reported by the checker
        }
        Map<String, Value> bound = new LinkedHashMap<>();
        boolean ok = bind(what, formals, args, bound);
        Map<String, Value> ordered = new LinkedHashMap<>();
        Unit unit = callee instanceof DefV def ? def.unit() : null;
        for (Formal f : formals) {
            Value v = bound.containsKey(f.name()) ? bound.get(f.name()) : fallback(what, f, ordered, unit, pos);
            if (v == null) {
                ok &= !f.required() && f.defaultExpr() == null; // derived by the op, else reported
            } else {
                ordered.put(f.name(), v);
            }
        }
        return ok ? new LayerV(callee, ordered, pos) : null;
    }

    private static List<Formal> formals(Value callee) {
        List<Formal> formals = new ArrayList<>();
        if (callee instanceof OpV op) {
            for (Param p : op.op().params()) {
                formals.add(new Formal(p.name(), p.type(), p.required(), null, constant(p.defaultValue())));
            }
            return formals;
        }
        for (Definition.Param p : params(((DefV) callee).def())) {
            Type type = Type.declared(p.type().name(), p.type().list());
            if (type == null) {
                return null;
            }
            formals.add(new Formal(p.name(), type, p.defaultValue().isEmpty(), p.defaultValue().orElse(null), null));
        }
        return formals;
    }

    static List<Definition.Param> params(Definition def) {
        return def instanceof Definition.Block b ? b.params()
                : def instanceof Definition.Network n ? n.params() : List.of();
    }

    private boolean bind(String what, List<Formal> formals, List<BoundArg> args, Map<String, Value> bound) {
        boolean ok = true;
        int positional = 0;
        for (BoundArg a : args) {
            Formal formal;
            if (a.syntax().name().isEmpty()) {
                if (positional >= formals.size()) {
                    error(Code.NS031, a.syntax().pos(), "too many arguments: " + what + " takes " + formals.size());
                    ok = false;
                    continue;
                }
                formal = formals.get(positional++);
            } else {
                String key = a.syntax().name().get();
                formal = formals.stream().filter(f -> f.name().equals(key)).findFirst().orElse(null);
                if (formal == null) {
                    error(Code.NS024, a.syntax().pos(), what + " has no parameter '" + key + "'"
                            + Names.suggestion(key, formals.stream().map(Formal::name).toList()));
                    ok = false;
                    continue;
                }
            }
            if (bound.containsKey(formal.name())) {
                error(Code.NS033, a.syntax().pos(), "argument '" + formal.name() + "' of " + what + " is given twice");
                ok = false;
                continue;
            }
            Value coerced = coerce(a.value(), formal.type());
            if (coerced == null) {
                error(Code.NS030, a.syntax().value().pos(), "argument '" + formal.name() + "' of " + what + " must be "
                        + formal.type().spelling() + ", got " + a.value().typeName());
                ok = false;
                coerced = new ErrorV();
            }
            bound.put(formal.name(), coerced);
        }
        return ok;
    }

    /** A parameter's default, or null when it has none (reported when it was required). */
    private Value fallback(String what, Formal f, Map<String, Value> earlier, Unit unit, Pos pos) {
        if (f.required()) {
            error(Code.NS032, pos, "missing argument '" + f.name() + "' of " + what);
            return null;
        }
        if (f.defaultExpr() != null) {
            Value d = defaults.eval(f.defaultExpr(), earlier, unit);
            Value v = coerce(d, f.type());
            if (v == null) {
                error(Code.NS030, f.defaultExpr().pos(), "default of '" + f.name() + "' must be "
                        + f.type().spelling() + ", got " + d.typeName());
            }
            return v;
        }
        return f.defaultValue() == null ? null : coerce(f.defaultValue(), f.type());
    }

    /** Only keyword arguments, and a required parameter left without one: a partial application. */
    static boolean isPartial(DefV def, List<BoundArg> args) {
        if (args.isEmpty() || args.stream().anyMatch(a -> a.syntax().name().isEmpty())) {
            return false;
        }
        return params(def.def()).stream().anyMatch(p -> p.defaultValue().isEmpty()
                && args.stream().noneMatch(a -> a.syntax().name().get().equals(p.name())));
    }

    /** A registry default (a plain Java value or a constant's name) as a value. */
    static Value constant(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Integer i) {
            return new IntV(i);
        } else if (value instanceof Double d) {
            return new FloatV(d);
        } else if (value instanceof Boolean b) {
            return new BoolV(b);
        }
        OpRegistry.Constant c = OpRegistry.CONSTANTS.get((String) value);
        return new EnumV(c.type().spelling(), c.name());
    }

    /** The value as the given type, with the coercions a reader expects (3 → 3x3, 1 → 1.0), or null. */
    static Value coerce(Value v, Type type) {
        return switch (type) {
            case INT -> v instanceof IntV ? v : null;
            case FLOAT -> v instanceof FloatV ? v : v instanceof IntV i ? new FloatV(i.value()) : null;
            case BOOL -> v instanceof BoolV ? v : null;
            case STRING -> v instanceof StringV ? v : null;
            case SIZE -> v instanceof SizeV s && s.dims().size() == 2 ? v
                    : v instanceof IntV i && i.value() > 0 && i.value() <= Integer.MAX_VALUE
                    ? new SizeV(List.of((int) i.value(), (int) i.value())) : null;
            case PADDING -> v instanceof EnumV e && e.kind().equals("padding") ? v
                    : v instanceof SizeV s && s.dims().size() == 2 ? v
                    : v instanceof IntV i && i.value() >= 0 && i.value() <= Integer.MAX_VALUE
                    ? new SizeV(List.of((int) i.value(), (int) i.value())) : null;
            case INIT -> v instanceof EnumV e && e.kind().equals("init") ? v : null;
            case AXES -> v instanceof EnumV e && e.kind().equals("axes") ? v : null;
            case BLOCK -> v instanceof DefV || v instanceof PartialV ? v : null;
            case INT_LIST -> v instanceof ListV l && l.items().stream().allMatch(i -> i instanceof IntV) ? v : null;
            case FLOAT_LIST -> v instanceof ListV l && l.items().stream().allMatch(Arithmetic::isNumber)
                    ? new ListV(l.items().stream().map(i -> (Value) new FloatV(Arithmetic.number(i))).toList()) : null;
            case BOOL_LIST -> v instanceof ListV l && l.items().stream().allMatch(i -> i instanceof BoolV) ? v : null;
            default -> null;
        };
    }

    private void error(Code code, Pos pos, String message) {
        diagnostics.error(code, pos, message);
    }
}
