package org.netspec.dsl.elab;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.diag.Diagnostics;
import org.netspec.dsl.diag.Pos;
import org.netspec.dsl.elab.Value.*;
import org.netspec.dsl.ir.BlockInstance;
import org.netspec.dsl.ir.Layer;
import org.netspec.dsl.ir.ModelGraph;
import org.netspec.dsl.ir.Shape;
import org.netspec.dsl.ir.Tensor;
import org.netspec.dsl.syntax.Definition;
import org.netspec.dsl.syntax.Expr;
import org.netspec.dsl.syntax.Stmt;

/**
 * Runs a model's definition statically: evaluates arithmetic, expands loops and conditionals,
 * instantiates blocks, infers every value's shape and counts parameters and MACs. Errors are
 * reported at the token that caused them; after an error the offending value becomes
 * {@link ErrorV} and evaluation continues, so one run reports every independent mistake.
 */
public final class Elaborator {
    public static final int MAX_LAYERS = 100_000;
    private static final int MAX_BLOCK_DEPTH = 64;

    private final Diagnostics diagnostics;
    private final List<Layer> layers = new ArrayList<>();
    private final List<BlockInstance> blocks = new ArrayList<>();
    private final List<Definition> active = new ArrayList<>();
    private int nextId = 1;
    private boolean tooLarge;
    private long totalMacs;
    private long totalParams;

    private Elaborator(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
    }

    /** A variable binding; parameters and loop variables cannot be reassigned. */
    private static final class Binding {
        Value value;
        final boolean assignable;

        Binding(Value value, boolean assignable) {
            this.value = value;
            this.assignable = assignable;
        }
    }

    private static final class Scope {
        final Scope parent;
        final Map<String, Binding> vars = new HashMap<>();

        Scope(Scope parent) {
            this.parent = parent;
        }

        Binding find(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                Binding b = s.vars.get(name);
                if (b != null) {
                    return b;
                }
            }
            return null;
        }

        Set<String> allNames() {
            Set<String> names = new TreeSet<>();
            for (Scope s = this; s != null; s = s.parent) {
                names.addAll(s.vars.keySet());
            }
            return names;
        }
    }

    /** One block instance being elaborated: where its names resolve and what its layers are called. */
    private record Frame(Unit unit, String prefix, Set<String> names, Map<String, Integer> counters) {
        Frame(Unit unit, String prefix) {
            this(unit, prefix, new HashSet<>(), new HashMap<>());
        }

        String qualify(String name) {
            return prefix.isEmpty() ? name : prefix + "." + name;
        }
    }

    /**
     * Elaborates {@code expr} (a model definition's right-hand side, or a call typed on the
     * command line) evaluated in {@code unit}, for the given input shape.
     */
    public static Optional<ModelGraph> elaborate(String modelName, Unit unit, Expr expr, Optional<Shape> input,
                                                 Pos inputPos, Diagnostics diagnostics) {
        return elaborate(modelName, unit, expr, input, inputPos, diagnostics, true);
    }

    /**
     * As above; with {@code inputRequired} false, a model without any input shape is skipped
     * quietly instead of reported (NS039) — checking a file elaborates only what it can.
     */
    public static Optional<ModelGraph> elaborate(String modelName, Unit unit, Expr expr, Optional<Shape> input,
                                                 Pos inputPos, Diagnostics diagnostics, boolean inputRequired) {
        Elaborator e = new Elaborator(diagnostics);
        int before = diagnostics.errorCount();
        Frame root = new Frame(unit, "");
        Value callee = e.eval(expr, new Scope(null), root);
        LayerV layer = e.asLayer(callee, expr.pos(), root);
        if (layer == null && !(callee instanceof ErrorV) && !(callee instanceof DefV) && !(callee instanceof OpV)) {
            e.error(Code.NS030, expr.pos(), "a model must be a network or block, got " + callee.typeName());
        }
        if (layer == null || diagnostics.errorCount() > before) {
            return Optional.empty();
        }
        Optional<Shape> shape = input.or(() -> layer.callee() instanceof DefV d && d.def() instanceof Definition.Network n
                ? n.input().map(s -> new Shape(s.dims())) : Optional.empty());
        if (shape.isEmpty()) {
            if (!inputRequired) {
                return Optional.empty();
            }
            e.error(Code.NS039, inputPos, "model " + modelName + " has no input shape; declare `input CxHxW` or pass --input");
            return Optional.empty();
        }
        if (shape.get().rank() != 3 && shape.get().rank() != 1) {
            e.error(Code.NS045, inputPos, "input shape must be CxHxW or a flat size, got " + shape.get());
            return Optional.empty();
        }
        TensorV x = new TensorV(0, shape.get());
        Value out;
        String network;
        if (layer.callee() instanceof DefV d) {
            network = d.def().name();
            out = e.runDefinition(d, layer.args(), x, new Frame(d.unit(), ""));
        } else {
            network = ((OpV) layer.callee()).op().name();
            out = e.apply(layer, List.of(x), Optional.empty(), expr.pos(), root);
        }
        if (diagnostics.errorCount() > before || out instanceof ErrorV) {
            return Optional.empty();
        }
        if (!(out instanceof TensorV t)) {
            e.error(Code.NS030, expr.pos(), "model " + modelName + " must return a tensor, got " + out.typeName());
            return Optional.empty();
        }
        return Optional.of(new ModelGraph(modelName, network, shape.get(), e.layers, e.blocks, t.id()));
    }

    // ---------------------------------------------------------------- statements

    private Value runDefinition(DefV def, Map<String, Value> args, TensorV input, Frame frame) {
        if (active.contains(def.def()) || active.size() >= MAX_BLOCK_DEPTH) {
            error(Code.NS025, def.def().pos(), "block " + def.def().name() + " uses itself");
            return new ErrorV();
        }
        active.add(def.def());
        try {
            Scope scope = new Scope(null);
            args.forEach((name, value) -> scope.vars.put(name, new Binding(value, false)));
            scope.vars.put("x", new Binding(input, true));
            List<Stmt> body = def.def() instanceof Definition.Block b ? b.body() : ((Definition.Network) def.def()).body();
            Value result = run(body, scope, frame);
            if (result == null) {
                error(Code.NS037, def.def().pos(), def.def().name() + " does not return a value");
                return new ErrorV();
            }
            return result;
        } finally {
            active.remove(active.size() - 1);
        }
    }

    /** Runs statements; returns the returned value, or null when the statements fall through. */
    private Value run(List<Stmt> body, Scope scope, Frame frame) {
        for (Stmt stmt : body) {
            if (tooLarge) {
                return new ErrorV();
            }
            if (stmt instanceof Stmt.Assign a) {
                    Value value = eval(a.value(), scope, frame);
                    Binding existing = scope.find(a.name());
                    if (existing == null) {
                        scope.vars.put(a.name(), new Binding(value, true));
                    } else if (!existing.assignable) {
                        error(Code.NS029, a.pos(), "cannot assign to '" + a.name() + "': it is a parameter or loop variable");
                    } else {
                        existing.value = value;
                    }
            } else if (stmt instanceof Stmt.For f) {
                    Value iterable = eval(f.iterable(), scope, frame);
                    if (iterable instanceof ErrorV) {
                        continue;
                    }
                    if (!(iterable instanceof ListV list)) {
                        error(Code.NS030, f.iterable().pos(), "for needs a list, got " + iterable.typeName());
                        continue;
                    }
                    for (int i = 0; i < list.items().size() && !tooLarge; i++) {
                        Scope inner = new Scope(scope);
                        long index = i;
                        f.index().ifPresent(name -> inner.vars.put(name, new Binding(new IntV(index), false)));
                        inner.vars.put(f.item(), new Binding(list.items().get(i), false));
                        Value returned = run(f.body(), inner, frame);
                        if (returned != null) {
                            return returned;
                        }
                    }
            } else if (stmt instanceof Stmt.Return r) {
                    return eval(r.value(), scope, frame);
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- expressions

    private Value eval(Expr expr, Scope scope, Frame frame) {
        if (tooLarge) {
            return new ErrorV();
        }
        if (expr instanceof Expr.IntLit i) {
            return new IntV(i.value());
        } else if (expr instanceof Expr.FloatLit f) {
            return new FloatV(f.value());
        } else if (expr instanceof Expr.BoolLit b) {
            return new BoolV(b.value());
        } else if (expr instanceof Expr.StringLit s) {
            return new StringV(s.value());
        } else if (expr instanceof Expr.SizeLit s) {
            return new SizeV(s.dims());
        } else if (expr instanceof Expr.Name n) {
            return lookup(n, scope, frame);
        } else if (expr instanceof Expr.ListLit l) {
            List<Value> items = new ArrayList<>();
            for (Expr item : l.items()) {
                items.add(eval(item, scope, frame));
            }
            return new ListV(items);
        } else if (expr instanceof Expr.Unary u) {
            return unary(u, eval(u.operand(), scope, frame));
        } else if (expr instanceof Expr.Binary b) {
            return binary(b, scope, frame);
        } else if (expr instanceof Expr.If i) {
            Value cond = eval(i.cond(), scope, frame);
            if (cond instanceof ErrorV) {
                return cond;
            }
            if (!(cond instanceof BoolV c)) {
                return error(Code.NS030, i.cond().pos(), "condition must be bool, got " + cond.typeName());
            }
            return eval(c.value() ? i.then() : i.otherwise(), scope, frame);
        } else if (expr instanceof Expr.Pipe p) {
            return pipe(p, scope, frame);
        } else if (expr instanceof Expr.Call c) {
            return call(c, scope, frame);
        }
        Expr.Index ix = (Expr.Index) expr;
        Value target = eval(ix.target(), scope, frame);
        Value index = eval(ix.index(), scope, frame);
        if (target instanceof ErrorV || index instanceof ErrorV) {
            return new ErrorV();
        }
        if (!(target instanceof ListV list)) {
            return error(Code.NS030, ix.target().pos(), "only lists can be indexed, got " + target.typeName());
        }
        if (!(index instanceof IntV i)) {
            return error(Code.NS030, ix.index().pos(), "list index must be int, got " + index.typeName());
        }
        if (i.value() < 0 || i.value() >= list.items().size()) {
            return error(Code.NS038, ix.index().pos(), "index " + i.value() + " is outside the list of "
                    + list.items().size());
        }
        return list.items().get((int) i.value());
    }

    private Value lookup(Expr.Name n, Scope scope, Frame frame) {
        Binding b = scope.find(n.name());
        if (b != null) {
            return b.value;
        }
        Unit.Owned owned = frame.unit().visible().get(n.name());
        if (owned != null) {
            return new DefV(owned.def(), owned.unit());
        }
        if (Ops.ALL.containsKey(n.name())) {
            return new OpV(Ops.ALL.get(n.name()));
        }
        if (Ops.FUNCTIONS.contains(n.name())) {
            return new FunctionV(n.name());
        }
        if (Ops.CONSTANTS.containsKey(n.name())) {
            return Ops.CONSTANTS.get(n.name());
        }
        Set<String> known = new TreeSet<>(scope.allNames());
        known.addAll(frame.unit().visible().keySet());
        known.addAll(Ops.ALL.keySet());
        known.addAll(Ops.FUNCTIONS);
        known.addAll(Ops.CONSTANTS.keySet());
        return error(Code.NS020, n.pos(), "unknown name '" + n.name() + "'" + Names.suggestion(n.name(), known));
    }

    private Value unary(Expr.Unary u, Value v) {
        if (v instanceof ErrorV) {
            return v;
        }
        if (u.op().equals("-")) {
            if (v instanceof IntV i) {
                return new IntV(-i.value());
            }
            if (v instanceof FloatV f) {
                return new FloatV(-f.value());
            }
        } else if (v instanceof BoolV b) {
            return new BoolV(!b.value());
        }
        return error(Code.NS030, u.pos(), "operator " + u.op() + " does not apply to " + v.typeName());
    }

    private Value binary(Expr.Binary b, Scope scope, Frame frame) {
        String op = b.op();
        Value left = eval(b.left(), scope, frame);
        if ((op.equals("&&") || op.equals("||")) && left instanceof BoolV l
                && (op.equals("&&") ? !l.value() : l.value())) {
            return l; // short-circuit, as readers expect of `stride != 1 || channels(x) != filters`
        }
        Value right = eval(b.right(), scope, frame);
        if (left instanceof ErrorV || right instanceof ErrorV) {
            return new ErrorV();
        }
        if (left instanceof TensorV lt && right instanceof TensorV rt && (op.equals("+") || op.equals("*"))) {
            Ops.Op tensorOp = Ops.ALL.get(op.equals("+") ? "add" : "multiply");
            return apply(new LayerV(new OpV(tensorOp), Map.of(), b.pos()), List.of(lt, rt), Optional.empty(), b.pos(), frame);
        }
        if (left instanceof BoolV l && right instanceof BoolV r) {
            switch (op) {
                case "&&": return new BoolV(l.value() && r.value());
                case "||": return new BoolV(l.value() || r.value());
                case "==": return new BoolV(l.value() == r.value());
                case "!=": return new BoolV(l.value() != r.value());
                default: break;
            }
        }
        if (left instanceof IntV l && right instanceof IntV r) {
            try {
                return switch (op) {
                    case "+" -> new IntV(Math.addExact(l.value(), r.value()));
                    case "-" -> new IntV(Math.subtractExact(l.value(), r.value()));
                    case "*" -> new IntV(Math.multiplyExact(l.value(), r.value()));
                    case "/", "%" -> {
                        if (r.value() == 0) {
                            yield error(Code.NS036, b.pos(), "division by zero");
                        }
                        yield new IntV(op.equals("/") ? Math.floorDiv(l.value(), r.value()) : Math.floorMod(l.value(), r.value()));
                    }
                    case "^" -> power(b, l.value(), r.value());
                    default -> compare(op, Long.compare(l.value(), r.value()), b, left, right);
                };
            } catch (ArithmeticException e) {
                return error(Code.NS036, b.pos(), "integer overflow in " + l.value() + " " + op + " " + r.value());
            }
        }
        if (isNumber(left) && isNumber(right)) {
            double l = number(left);
            double r = number(right);
            return switch (op) {
                case "+" -> new FloatV(l + r);
                case "-" -> new FloatV(l - r);
                case "*" -> new FloatV(l * r);
                case "/" -> r == 0 ? error(Code.NS036, b.pos(), "division by zero") : new FloatV(l / r);
                case "^" -> new FloatV(Math.pow(l, r));
                default -> compare(op, Double.compare(l, r), b, left, right);
            };
        }
        if ((op.equals("==") || op.equals("!=")) && left.getClass() == right.getClass()
                && !(left instanceof TensorV) && !(left instanceof LayerV)) {
            return new BoolV(left.equals(right) == op.equals("=="));
        }
        return error(Code.NS030, b.pos(), "operator " + op + " does not apply to " + left.typeName() + " and "
                + right.typeName());
    }

    private Value power(Expr.Binary b, long base, long exponent) {
        if (exponent < 0) {
            return error(Code.NS036, b.pos(), "negative exponent " + exponent + " in integer power");
        }
        long result = 1;
        for (long i = 0; i < exponent; i++) {
            result = Math.multiplyExact(result, base);
            if (result == 0 || result == 1 && base == 1) {
                break;
            }
        }
        return new IntV(result);
    }

    private Value compare(String op, int c, Expr.Binary b, Value left, Value right) {
        return switch (op) {
            case "<" -> new BoolV(c < 0);
            case "<=" -> new BoolV(c <= 0);
            case ">" -> new BoolV(c > 0);
            case ">=" -> new BoolV(c >= 0);
            case "==" -> new BoolV(c == 0);
            case "!=" -> new BoolV(c != 0);
            default -> error(Code.NS030, b.pos(), "operator " + op + " does not apply to " + left.typeName() + " and "
                    + right.typeName());
        };
    }

    private static boolean isNumber(Value v) {
        return v instanceof IntV || v instanceof FloatV;
    }

    private static double number(Value v) {
        return v instanceof IntV i ? i.value() : ((FloatV) v).value();
    }

    private Value pipe(Expr.Pipe p, Scope scope, Frame frame) {
        Value input = eval(p.input(), scope, frame);
        Value step = eval(p.step(), scope, frame);
        Optional<String> label = Optional.empty();
        if (p.label().isPresent()) {
            label = label(p.label().get(), scope, frame);
            if (label.isEmpty()) {
                return new ErrorV();
            }
        }
        if (input instanceof ErrorV || step instanceof ErrorV) {
            return new ErrorV();
        }
        if (!(input instanceof TensorV t)) {
            return error(Code.NS030, p.input().pos(), "-> needs a tensor on its left, got " + input.typeName());
        }
        LayerV layer = asLayer(step, p.step().pos(), frame);
        if (layer == null) {
            // A bare op or block that failed to configure has reported why already.
            return step instanceof DefV || step instanceof OpV || step instanceof PartialV ? new ErrorV()
                    : error(Code.NS034, p.step().pos(), "-> needs an op or block on its right, got " + step.typeName());
        }
        return apply(layer, List.of(t), label, p.label().map(Expr.Label::pos).orElse(p.step().pos()), frame);
    }

    /** A configured layer, configuring a bare op or block with its defaults; null otherwise. */
    private LayerV asLayer(Value v, Pos pos, Frame frame) {
        if (v instanceof LayerV l) {
            return l;
        }
        if (v instanceof DefV || v instanceof OpV) {
            return configure(v, List.of(), pos, frame);
        }
        if (v instanceof PartialV partial) {
            return configure(partial.def(), partial.args(), pos, frame);
        }
        return null;
    }

    private Optional<String> label(Expr.Label label, Scope scope, Frame frame) {
        List<String> parts = new ArrayList<>();
        for (Expr.LabelPart part : label.parts()) {
            StringBuilder text = new StringBuilder(part.text().orElse(""));
            if (part.computed().isPresent()) {
                Value v = eval(part.computed().get(), scope, frame);
                if (v instanceof ErrorV) {
                    return Optional.empty();
                }
                if (!(v instanceof IntV) && !(v instanceof StringV)) {
                    error(Code.NS030, part.computed().get().pos(), "a layer name part must be int or string, got "
                            + v.typeName());
                    return Optional.empty();
                }
                text.append(v instanceof IntV i ? String.valueOf(i.value()) : ((StringV) v).value());
            }
            parts.add(text.toString());
        }
        return Optional.of(String.join(".", parts));
    }

    private Value call(Expr.Call c, Scope scope, Frame frame) {
        Value callee = eval(c.callee(), scope, frame);
        List<BoundArg> args = new ArrayList<>();
        boolean failed = callee instanceof ErrorV;
        for (Expr.Arg a : c.args()) {
            Value v = eval(a.value(), scope, frame);
            failed |= v instanceof ErrorV;
            args.add(new BoundArg(a, v));
        }
        if (failed) {
            return new ErrorV();
        }
        if (callee instanceof FunctionV f) {
            return function(f.name(), c, args);
        }
        if (callee instanceof LayerV layer) {
            List<TensorV> inputs = tensorsOnly(args, c);
            return inputs == null ? new ErrorV() : apply(layer, inputs, Optional.empty(), c.pos(), frame);
        }
        if (callee instanceof PartialV partial) {
            int n = leadingTensors(args, 1);
            List<BoundArg> all = new ArrayList<>(partial.args());
            all.addAll(args.subList(n, args.size()));
            LayerV layer = configure(partial.def(), all, c.pos(), frame);
            if (layer == null) {
                return new ErrorV();
            }
            return n == 0 ? layer : apply(layer, tensors(args.subList(0, n)), Optional.empty(), c.pos(), frame);
        }
        if (callee instanceof DefV def && isPartial(def, args)) {
            return new PartialV(def, args);
        }
        if (callee instanceof OpV || callee instanceof DefV) {
            int n = leadingTensors(args, callee instanceof OpV op ? op.op().inputs() : 1);
            LayerV layer = configure(callee, args.subList(n, args.size()), c.pos(), frame);
            if (layer == null) {
                return new ErrorV();
            }
            return n == 0 ? layer : apply(layer, tensors(args.subList(0, n)), Optional.empty(), c.pos(), frame);
        }
        return error(Code.NS034, c.callee().pos(), callee.typeName() + " is not callable");
    }

    
    /** Only keyword arguments, and a required parameter left without one: a partial application. */
    private static boolean isPartial(DefV def, List<BoundArg> args) {
        if (args.isEmpty() || args.stream().anyMatch(a -> a.syntax().name().isEmpty())) {
            return false;
        }
        List<Definition.Param> params = def.def() instanceof Definition.Block b ? b.params()
                : ((Definition.Network) def.def()).params();
        return params.stream().anyMatch(p -> p.defaultValue().isEmpty()
                && args.stream().noneMatch(a -> a.syntax().name().get().equals(p.name())));
    }

    private static int leadingTensors(List<BoundArg> args, int max) {
        int n = 0;
        while (n < args.size() && n < max && args.get(n).syntax().name().isEmpty() && args.get(n).value() instanceof TensorV) {
            n++;
        }
        return n;
    }

    private static List<TensorV> tensors(List<BoundArg> args) {
        return args.stream().map(a -> (TensorV) a.value()).toList();
    }

    private List<TensorV> tensorsOnly(List<BoundArg> args, Expr.Call c) {
        List<TensorV> out = new ArrayList<>();
        for (BoundArg a : args) {
            if (a.syntax().name().isPresent() || !(a.value() instanceof TensorV t)) {
                error(Code.NS030, a.syntax().pos(), "a configured layer takes only tensors, got "
                        + (a.syntax().name().isPresent() ? "keyword argument '" + a.syntax().name().get() + "'"
                        : a.value().typeName()));
                return null;
            }
            out.add(t);
        }
        return out;
    }

    // ---------------------------------------------------------------- functions

    private Value function(String name, Expr.Call c, List<BoundArg> args) {
        for (BoundArg a : args) {
            if (a.syntax().name().isPresent()) {
                return error(Code.NS024, a.syntax().pos(), name + "() takes no keyword arguments");
            }
        }
        switch (name) {
            case "channels", "height", "width" -> {
                if (args.size() != 1) {
                    return error(Code.NS031, c.pos(), name + "() takes 1 argument, got " + args.size());
                }
                if (!(args.get(0).value() instanceof TensorV t)) {
                    return error(Code.NS030, args.get(0).syntax().pos(), name + "() needs a tensor, got "
                            + args.get(0).value().typeName());
                }
                if (!name.equals("channels") && !t.shape().isSpatial()) {
                    return error(Code.NS045, args.get(0).syntax().pos(), name + "() needs a CxHxW tensor, got " + t.shape());
                }
                return new IntV(t.shape().dims().get(switch (name) {
                    case "channels" -> 0;
                    case "height" -> 1;
                    default -> 2;
                }));
            }
            case "range" -> {
                if (args.isEmpty() || args.size() > 2) {
                    return error(Code.NS031, c.pos(), "range() takes 1 or 2 arguments, got " + args.size());
                }
                long[] bounds = new long[args.size()];
                for (int i = 0; i < args.size(); i++) {
                    if (!(args.get(i).value() instanceof IntV v)) {
                        return error(Code.NS030, args.get(i).syntax().pos(), "range() needs int, got "
                                + args.get(i).value().typeName());
                    }
                    bounds[i] = v.value();
                }
                long from = args.size() == 2 ? bounds[0] : 0;
                long to = args.size() == 2 ? bounds[1] : bounds[0];
                if (to - from > MAX_LAYERS) {
                    tooLarge = true;
                    return error(Code.NS052, c.pos(), "range of " + (to - from) + " items is larger than " + MAX_LAYERS);
                }
                List<Value> items = new ArrayList<>();
                for (long i = from; i < to; i++) {
                    items.add(new IntV(i));
                }
                return new ListV(items);
            }
            case "len" -> {
                if (args.size() != 1) {
                    return error(Code.NS031, c.pos(), "len() takes 1 argument, got " + args.size());
                }
                if (!(args.get(0).value() instanceof ListV l)) {
                    return error(Code.NS030, args.get(0).syntax().pos(), "len() needs a list, got " + args.get(0).value().typeName());
                }
                return new IntV(l.items().size());
            }
            default -> { // min, max
                if (args.isEmpty()) {
                    return error(Code.NS031, c.pos(), name + "() needs at least 1 argument");
                }
                List<Value> values = args.size() == 1 && args.get(0).value() instanceof ListV l ? l.items()
                        : args.stream().map(BoundArg::value).toList();
                long best = 0;
                for (int i = 0; i < values.size(); i++) {
                    if (!(values.get(i) instanceof IntV v)) {
                        return error(Code.NS030, c.pos(), name + "() needs ints, got " + values.get(i).typeName());
                    }
                    best = i == 0 ? v.value() : name.equals("min") ? Math.min(best, v.value()) : Math.max(best, v.value());
                }
                return values.isEmpty() ? error(Code.NS031, c.pos(), name + "() of an empty list") : new IntV(best);
            }
        }
    }

    // ---------------------------------------------------------------- configuring layers

    /** A parameter of an op or a block as argument binding sees it. */
    private record Formal(String name, Ops.Type type, boolean required, Expr defaultExpr, Value defaultValue) {}

    private LayerV configure(Value callee, List<BoundArg> args, Pos pos, Frame frame) {
        String what;
        List<Formal> formals = new ArrayList<>();
        Unit defUnit = null;
        if (callee instanceof OpV op) {
            what = op.op().name();
            for (Ops.Param p : op.op().params()) {
                formals.add(new Formal(p.name(), p.type(), p.required(), null, p.defaultValue()));
            }
        } else {
            DefV def = (DefV) callee;
            what = def.def().name();
            defUnit = def.unit();
            List<Definition.Param> params = def.def() instanceof Definition.Block b ? b.params()
                    : ((Definition.Network) def.def()).params();
            for (Definition.Param p : params) {
                Ops.Type type = Ops.Type.named(p.type().name(), p.type().list());
                if (type == null) {
                    return null; // reported by the checker
                }
                formals.add(new Formal(p.name(), type, p.defaultValue().isEmpty(), p.defaultValue().orElse(null), null));
            }
        }
        Map<String, Value> bound = new LinkedHashMap<>();
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
                bound.put(formal.name(), new ErrorV());
                continue;
            }
            bound.put(formal.name(), coerced);
        }
        // Defaults, in declaration order; a block's defaults may use its earlier parameters.
        Scope defaults = new Scope(null);
        Map<String, Value> ordered = new LinkedHashMap<>();
        for (Formal f : formals) {
            Value v = bound.get(f.name());
            if (v == null) {
                if (f.required()) {
                    error(Code.NS032, pos, "missing argument '" + f.name() + "' of " + what);
                    ok = false;
                    continue;
                }
                if (f.defaultExpr() != null) {
                    Value d = eval(f.defaultExpr(), defaults, new Frame(defUnit, ""));
                    v = coerce(d, f.type());
                    if (v == null) {
                        error(Code.NS030, f.defaultExpr().pos(), "default of '" + f.name() + "' must be "
                                + f.type().spelling() + ", got " + d.typeName());
                        ok = false;
                        continue;
                    }
                } else if (f.defaultValue() != null) {
                    v = coerce(f.defaultValue(), f.type());
                }
            }
            if (v != null) {
                ordered.put(f.name(), v);
                defaults.vars.put(f.name(), new Binding(v, false));
            }
        }
        return ok ? new LayerV(callee, ordered, pos) : null;
    }

    /** The value as the given type, with the coercions a reader expects (3 → 3x3, 1 → 1.0), or null. */
    static Value coerce(Value v, Ops.Type type) {
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
            case FLOAT_LIST -> v instanceof ListV l && l.items().stream().allMatch(Elaborator::isNumber)
                    ? new ListV(l.items().stream().map(i -> (Value) new FloatV(number(i))).toList()) : null;
            case BOOL_LIST -> v instanceof ListV l && l.items().stream().allMatch(i -> i instanceof BoolV) ? v : null;
        };
    }

    // ---------------------------------------------------------------- applying layers

    private Value apply(LayerV layer, List<TensorV> inputs, Optional<String> label, Pos pos, Frame frame) {
        if (tooLarge) {
            return new ErrorV();
        }
        int wanted = layer.callee() instanceof OpV op ? op.op().inputs() : 1;
        String what = layer.callee() instanceof OpV op ? op.op().name() : ((DefV) layer.callee()).def().name();
        if (inputs.size() != wanted) {
            return error(Code.NS031, pos, what + " takes " + wanted + (wanted == 1 ? " input" : " inputs")
                    + ", got " + inputs.size());
        }
        String name = label.orElseGet(() -> {
            // ops as written (conv_0), blocks by their own name (ResNetBlock_0): Flax's auto-names
            int k = frame.counters().merge(what, 1, Integer::sum) - 1;
            return what + "_" + k;
        });
        if (!frame.names().add(name)) {
            return error(Code.NS023, pos, "layer name '" + frame.qualify(name) + "' is already used");
        }
        String full = frame.qualify(name);
        if (layers.size() >= MAX_LAYERS) {
            tooLarge = true;
            return error(Code.NS052, pos, "network has more than " + MAX_LAYERS + " layers");
        }
        if (layer.callee() instanceof DefV def) {
            Map<String, Object> args = new LinkedHashMap<>();
            layer.args().forEach((k, v) -> args.put(k, export(v)));
            int index = blocks.size();
            blocks.add(null); // keeps parents before their children; filled in once the output is known
            Value out = runDefinition(def, layer.args(), inputs.get(0), new Frame(def.unit(), full));
            if (out instanceof TensorV t) {
                blocks.set(index, new BlockInstance(full, def.def().name(), args, frame.prefix(), t.shape()));
            } else {
                blocks.remove(index);
            }
            return out;
        }
        return op(((OpV) layer.callee()).op(), layer.args(), inputs, full, pos, frame);
    }

    private Value op(Ops.Op op, Map<String, Value> args, List<TensorV> inputs, String name, Pos pos, Frame frame) {
        for (Value v : args.values()) {
            if (v instanceof ErrorV) {
                return v;
            }
        }
        Shape in = inputs.get(0).shape();
        Map<String, Object> attrs = new LinkedHashMap<>();
        args.forEach((k, v) -> attrs.put(k, export(v)));
        List<Tensor> tensors = new ArrayList<>();
        Shape out;
        long params = 0;
        long macs = 0;
        switch (op.name()) {
            case "conv" -> {
                if (!requireSpatial(op, in, pos)) {
                    return new ErrorV();
                }
                long filters = ((IntV) args.get("filters")).value();
                long groups = ((IntV) args.get("groups")).value();
                if (filters <= 0 || filters > 1 << 20) {
                    return error(Code.NS035, pos, "conv filters must be between 1 and " + (1 << 20) + ", got " + filters);
                }
                if (groups <= 0) {
                    return error(Code.NS035, pos, "conv groups must be positive, got " + groups);
                }
                if (in.channels() % groups != 0 || filters % groups != 0) {
                    return error(Code.NS044, pos, "conv groups " + groups + " must divide input channels "
                            + in.channels() + " and filters " + filters);
                }
                Window w = window(op, args, in, pos);
                if (w == null) {
                    return new ErrorV();
                }
                int f = (int) filters;
                int perGroup = in.channels() / (int) groups;
                out = Shape.chw(f, w.outH, w.outW);
                boolean bias = ((BoolV) args.get("bias")).value();
                tensors.add(new Tensor(name + ".weight", List.of(f, perGroup, w.kh, w.kw), Tensor.Kind.PARAMETER));
                if (bias) {
                    tensors.add(new Tensor(name + ".bias", List.of(f), Tensor.Kind.PARAMETER));
                }
                long weights = exactProduct(f, perGroup, w.kh, w.kw);
                params = weights < 0 ? -1 : weights + (bias ? f : 0);
                macs = exactProduct(f, w.outH, w.outW, perGroup, w.kh, w.kw);
                attrs.put("padding", w.pads);
            }
            case "maxpool", "avgpool" -> {
                if (!requireSpatial(op, in, pos)) {
                    return new ErrorV();
                }
                Window w = window(op, args, in, pos);
                if (w == null) {
                    return new ErrorV();
                }
                out = Shape.chw(in.channels(), w.outH, w.outW);
                attrs.put("stride", List.of(w.sh, w.sw));
                attrs.put("padding", w.pads);
            }
            case "batchnorm" -> {
                double momentum = ((FloatV) args.get("momentum")).value();
                double epsilon = ((FloatV) args.get("epsilon")).value();
                if (momentum < 0 || momentum > 1) {
                    return error(Code.NS035, pos, "batchnorm momentum must be in [0, 1], got " + momentum);
                }
                if (!(epsilon > 0)) {
                    return error(Code.NS035, pos, "batchnorm epsilon must be positive, got " + epsilon);
                }
                int c = in.channels();
                out = in;
                tensors.add(new Tensor(name + ".weight", List.of(c), Tensor.Kind.PARAMETER));
                tensors.add(new Tensor(name + ".bias", List.of(c), Tensor.Kind.PARAMETER));
                tensors.add(new Tensor(name + ".running_mean", List.of(c), Tensor.Kind.STATE));
                tensors.add(new Tensor(name + ".running_var", List.of(c), Tensor.Kind.STATE));
                params = 2L * c;
            }
            case "mean" -> {
                if (!requireSpatial(op, in, pos)) {
                    return new ErrorV();
                }
                out = ((BoolV) args.get("keepdims")).value() ? Shape.chw(in.channels(), 1, 1) : Shape.flat(in.channels());
            }
            case "flatten" -> out = Shape.flat((int) Math.min(in.elements(), Integer.MAX_VALUE));
            case "dense" -> {
                if (in.isSpatial()) {
                    return error(Code.NS043, pos, "dense needs a flat input, got " + in
                            + "; add `mean(spatial)` or `flatten` before it");
                }
                long units = ((IntV) args.get("units")).value();
                if (units <= 0 || units > 1 << 24) {
                    return error(Code.NS035, pos, "dense units must be between 1 and " + (1 << 24) + ", got " + units);
                }
                boolean bias = ((BoolV) args.get("bias")).value();
                int u = (int) units;
                out = Shape.flat(u);
                tensors.add(new Tensor(name + ".weight", List.of(u, in.channels()), Tensor.Kind.PARAMETER));
                if (bias) {
                    tensors.add(new Tensor(name + ".bias", List.of(u), Tensor.Kind.PARAMETER));
                }
                params = (long) u * in.channels() + (bias ? u : 0);
                macs = (long) u * in.channels();
            }
            case "dropout" -> {
                double rate = ((FloatV) args.get("rate")).value();
                if (rate < 0 || rate >= 1) {
                    return error(Code.NS035, pos, "dropout rate must be in [0, 1), got " + rate);
                }
                out = in;
            }
            case "add" -> {
                Shape other = inputs.get(1).shape();
                if (!in.equals(other)) {
                    return error(Code.NS040, pos, "cannot add tensors of shapes " + in + " and " + other);
                }
                out = in;
            }
            case "multiply" -> {
                Shape other = inputs.get(1).shape();
                if (in.equals(other) || broadcasts(other, in)) {
                    out = in;
                } else if (broadcasts(in, other)) {
                    out = other;
                } else {
                    return error(Code.NS040, pos, "cannot multiply tensors of shapes " + in + " and " + other);
                }
            }
            default -> out = in; // activations and identity keep the shape
        }
        // counts must stay exact: a huge shape gets a diagnostic, never a negative MAC count
        if (macs < 0 || params < 0 || Long.MAX_VALUE - totalMacs < macs || Long.MAX_VALUE - totalParams < params) {
            tooLarge = true;
            return error(Code.NS052, pos, "network too large: its parameter or multiply-accumulate count exceeds 2^63");
        }
        totalMacs += macs;
        totalParams += params;
        int id = nextId++;
        layers.add(new Layer(id, name, op.name(), attrs, inputs.stream().map(TensorV::id).toList(),
                inputs.stream().map(TensorV::shape).toList(), out, params, macs, tensors, frame.prefix(), pos));
        return new TensorV(id, out);
    }

    /** The product of non-negative factors, or -1 when it does not fit in a long. */
    private static long exactProduct(long... factors) {
        long p = 1;
        try {
            for (long f : factors) {
                p = Math.multiplyExact(p, f);
            }
            return p;
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /** {@code small} is C x 1 x 1 and gates {@code big}'s C x H x W. */
    private static boolean broadcasts(Shape small, Shape big) {
        return small.isSpatial() && big.isSpatial() && small.channels() == big.channels()
                && small.height() == 1 && small.width() == 1;
    }

    private boolean requireSpatial(Ops.Op op, Shape in, Pos pos) {
        if (!in.isSpatial()) {
            error(Code.NS045, pos, op.name() + " needs a CxHxW input, got " + in);
            return false;
        }
        return true;
    }

    private record Window(int kh, int kw, int sh, int sw, List<Integer> pads, int outH, int outW) {}

    /** Output size of a conv or pooling window, with the explicit pads [top, bottom, left, right]. */
    private Window window(Ops.Op op, Map<String, Value> args, Shape in, Pos pos) {
        List<Integer> k = ((SizeV) args.get("kernel")).dims();
        Value strideValue = args.get("stride");
        List<Integer> s = strideValue == null ? k : ((SizeV) strideValue).dims();
        List<Integer> d = args.containsKey("dilation") ? ((SizeV) args.get("dilation")).dims() : List.of(1, 1);
        if (s.get(0) <= 0 || s.get(1) <= 0) {
            error(Code.NS035, pos, op.name() + " stride must be positive, got " + new Shape(s));
            return null;
        }
        int[] size = {in.height(), in.width()};
        int[] out = new int[2];
        int[] pads = new int[4];
        Value padding = args.get("padding");
        for (int axis = 0; axis < 2; axis++) {
            int effective = d.get(axis) * (k.get(axis) - 1) + 1;
            int before;
            int after;
            if (padding instanceof EnumV e) {
                if (e.name().equals("same")) {
                    int o = (size[axis] + s.get(axis) - 1) / s.get(axis);
                    int total = Math.max((o - 1) * s.get(axis) + effective - size[axis], 0);
                    before = total / 2;
                    after = total - before;
                } else {
                    before = 0;
                    after = 0;
                }
            } else {
                before = ((SizeV) padding).dims().get(axis);
                after = before;
                if (!op.name().equals("conv") && before > k.get(axis) / 2) {
                    error(Code.NS035, pos, op.name() + " padding " + before + " must be at most half the kernel "
                            + k.get(axis));
                    return null;
                }
            }
            int padded = size[axis] + before + after;
            if (effective > padded) {
                error(Code.NS041, pos, op.name() + " kernel " + new Shape(k) + " is larger than its padded input "
                        + (in.height() + (axis == 0 ? before + after : 0)) + "x"
                        + (in.width() + (axis == 1 ? before + after : 0)));
                return null;
            }
            if (s.get(axis) > 1 && s.get(axis) > padded) {
                error(Code.NS042, pos, op.name() + " stride " + new Shape(s) + " leaves no output beyond the first on a "
                        + in.height() + "x" + in.width() + " input");
                return null;
            }
            out[axis] = (padded - effective) / s.get(axis) + 1;
            pads[axis * 2] = before;
            pads[axis * 2 + 1] = after;
        }
        return new Window(k.get(0), k.get(1), s.get(0), s.get(1), List.of(pads[0], pads[1], pads[2], pads[3]), out[0], out[1]);
    }

    /** Plain Java values for the IR: Integer, Double, Boolean, String, List. */
    static Object export(Value v) {
        if (v instanceof IntV i) {
            return i.value() >= Integer.MIN_VALUE && i.value() <= Integer.MAX_VALUE ? (Object) (int) i.value() : (Object) i.value();
        } else if (v instanceof FloatV f) {
            return f.value();
        } else if (v instanceof BoolV b) {
            return b.value();
        } else if (v instanceof StringV s) {
            return s.value();
        } else if (v instanceof SizeV s) {
            return s.dims();
        } else if (v instanceof EnumV e) {
            return e.name();
        } else if (v instanceof ListV l) {
            return l.items().stream().map(Elaborator::export).toList();
        } else if (v instanceof DefV d) {
            return d.def().name();
        } else if (v instanceof PartialV p) {
            List<String> args = p.args().stream().map(a -> a.syntax().name().orElse("") + ": " + export(a.value())).toList();
            return p.def().def().name() + "(" + String.join(", ", args) + ")";
        } else if (v instanceof OpV o) {
            return o.op().name();
        }
        return v.typeName();
    }

    private Value error(Code code, Pos pos, String message) {
        diagnostics.error(code, pos, message);
        return new ErrorV();
    }
}
