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
import org.netspec.dsl.syntax.BinaryOp;
import org.netspec.dsl.syntax.Definition;
import org.netspec.dsl.syntax.Expr;
import org.netspec.dsl.ops.Application;
import org.netspec.dsl.ops.Op;
import org.netspec.dsl.ops.OpException;
import org.netspec.dsl.ops.OpRegistry;
import org.netspec.dsl.syntax.PrettyPrinter;
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

    private final Arithmetic arithmetic;
    private final Functions functions;
    private final Arguments arguments;

    private Elaborator(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
        this.arithmetic = new Arithmetic(diagnostics);
        this.functions = new Functions(diagnostics, () -> tooLarge = true);
        this.arguments = new Arguments(diagnostics, this::evalDefault);
    }

    /** A block parameter's default, evaluated where the block was written, seeing the parameters before it. */
    private Value evalDefault(Expr expr, Map<String, Value> earlier, Unit unit) {
        Scope scope = new Scope(null);
        earlier.forEach((name, value) -> scope.vars.put(name, new Binding(value, false)));
        return eval(expr, scope, new Frame(unit, ""));
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
    private record Frame(Unit unit, String prefix, String definition, Set<String> names,
                         Map<String, Integer> counters) {
        Frame(Unit unit, String prefix) {
            this(unit, prefix, "", new HashSet<>(), new HashMap<>());
        }

        /** The frame of block instance {@code prefix}, an instance of {@code definition}. */
        Frame(Unit unit, String prefix, String definition) {
            this(unit, prefix, definition, new HashSet<>(), new HashMap<>());
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
            return arithmetic.unary(u, eval(u.operand(), scope, frame));
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
        Op op = OpRegistry.op(n.name());
        if (op != null) {
            return new OpV(op);
        }
        if (OpRegistry.FUNCTIONS.containsKey(n.name())) {
            return new FunctionV(n.name());
        }
        OpRegistry.Constant constant = OpRegistry.CONSTANTS.get(n.name());
        if (constant != null) {
            return new EnumV(constant.type().spelling(), constant.name());
        }
        Set<String> known = new TreeSet<>(scope.allNames());
        known.addAll(frame.unit().visible().keySet());
        known.addAll(OpRegistry.names());
        return error(Code.NS020, n.pos(), "unknown name '" + n.name() + "'" + Names.suggestion(n.name(), known));
    }

    private Value binary(Expr.Binary b, Scope scope, Frame frame) {
        BinaryOp op = b.op();
        Value left = eval(b.left(), scope, frame);
        if (op.isLogical() && left instanceof BoolV l && (op == BinaryOp.AND ? !l.value() : l.value())) {
            return l; // short-circuit, as readers expect of `stride != 1 || channels(x) != filters`
        }
        Value right = eval(b.right(), scope, frame);
        if (left instanceof ErrorV || right instanceof ErrorV) {
            return new ErrorV();
        }
        if (left instanceof TensorV lt && right instanceof TensorV rt && (op == BinaryOp.ADD || op == BinaryOp.MUL)) {
            Op tensorOp = OpRegistry.op(op == BinaryOp.ADD ? "add" : "multiply");
            List<String> operands = List.of(PrettyPrinter.print(b.left()), PrettyPrinter.print(b.right()));
            return apply(new LayerV(new OpV(tensorOp), Map.of(), b.pos()), List.of(lt, rt), Optional.empty(), b.pos(),
                    frame, operands);
        }
        return arithmetic.binary(b, left, right);
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
            return arguments.configure(v, List.of(), pos);
        }
        if (v instanceof PartialV partial) {
            return arguments.configure(partial.def(), partial.args(), pos);
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
            return functions.call(f.name(), c, args);
        }
        if (callee instanceof LayerV layer) {
            List<TensorV> inputs = tensorsOnly(args, c);
            return inputs == null ? new ErrorV() : apply(layer, inputs, Optional.empty(), c.pos(), frame);
        }
        if (callee instanceof PartialV partial) {
            int n = leadingTensors(args, 1);
            List<BoundArg> all = new ArrayList<>(partial.args());
            all.addAll(args.subList(n, args.size()));
            LayerV layer = arguments.configure(partial.def(), all, c.pos());
            if (layer == null) {
                return new ErrorV();
            }
            return n == 0 ? layer : apply(layer, tensors(args.subList(0, n)), Optional.empty(), c.pos(), frame);
        }
        if (callee instanceof DefV def && Arguments.isPartial(def, args)) {
            return new PartialV(def, args);
        }
        if (callee instanceof OpV || callee instanceof DefV) {
            int n = leadingTensors(args, callee instanceof OpV op ? op.op().inputs() : 1);
            LayerV layer = arguments.configure(callee, args.subList(n, args.size()), c.pos());
            if (layer == null) {
                return new ErrorV();
            }
            return n == 0 ? layer : apply(layer, tensors(args.subList(0, n)), Optional.empty(), c.pos(), frame);
        }
        return error(Code.NS034, c.callee().pos(), callee.typeName() + " is not callable");
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

    // ---------------------------------------------------------------- applying layers

    private Value apply(LayerV layer, List<TensorV> inputs, Optional<String> label, Pos pos, Frame frame) {
        return apply(layer, inputs, label, pos, frame, List.of());
    }

    /** {@code operands}: the inputs as written ({@code y}, {@code shortcut}), for messages; may be empty. */
    private Value apply(LayerV layer, List<TensorV> inputs, Optional<String> label, Pos pos, Frame frame,
                        List<String> operands) {
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
            Value out = runDefinition(def, layer.args(), inputs.get(0), new Frame(def.unit(), full, def.def().name()));
            if (out instanceof TensorV t) {
                blocks.set(index, new BlockInstance(full, def.def().name(), args, frame.prefix(), t.shape()));
            } else {
                blocks.remove(index);
            }
            return out;
        }
        return op(((OpV) layer.callee()).op(), layer.args(), inputs, operands, full, pos, frame);
    }

    private Value op(Op op, Map<String, Value> args, List<TensorV> inputs, List<String> operands, String name, Pos pos,
                     Frame frame) {
        for (Value v : args.values()) {
            if (v instanceof ErrorV) {
                return v;
            }
        }
        Map<String, Object> attrs = new LinkedHashMap<>();
        args.forEach((k, v) -> attrs.put(k, export(v)));
        Application application = new Application(name, attrs, inputs.stream().map(TensorV::shape).toList(),
                operands);
        Shape out;
        try {
            out = op.rule().infer(application);
        } catch (OpException e) {
            tooLarge |= e.code() == Code.NS052;
            // a mismatch inside a block says which instance: layer2.0 of a Bottleneck
            String where = e.code() == Code.NS040 && !frame.prefix().isEmpty()
                    ? " (in " + frame.prefix() + ", a " + frame.definition() + ")" : "";
            return error(e.code(), pos, e.getMessage() + where);
        }
        long macs = application.macs();
        long params = application.params();
        if (Long.MAX_VALUE - totalMacs < macs || Long.MAX_VALUE - totalParams < params) {
            tooLarge = true;
            return error(Code.NS052, pos, "network too large: its parameter or multiply-accumulate count exceeds 2^63");
        }
        totalMacs += macs;
        totalParams += params;
        int id = nextId++;
        layers.add(new Layer(id, name, op.name(), application.attributes(), inputs.stream().map(TensorV::id).toList(),
                inputs.stream().map(TensorV::shape).toList(), out, params, macs, application.tensors(),
                frame.prefix(), pos));
        return new TensorV(id, out);
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
