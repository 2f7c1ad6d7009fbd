package org.netspec.dsl.elab;

import java.util.ArrayList;
import java.util.List;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.diag.Diagnostics;
import org.netspec.dsl.elab.Value.BoundArg;
import org.netspec.dsl.elab.Value.ErrorV;
import org.netspec.dsl.elab.Value.IntV;
import org.netspec.dsl.elab.Value.ListV;
import org.netspec.dsl.elab.Value.TensorV;
import org.netspec.dsl.syntax.Expr;

/** The static functions of {@link org.netspec.dsl.ops.OpRegistry#FUNCTIONS}, evaluated. */
final class Functions {
    private final Diagnostics diagnostics;
    /** Called when a {@code range} is too long to be a sensible loop bound. */
    private final Runnable tooLarge;

    Functions(Diagnostics diagnostics, Runnable tooLarge) {
        this.diagnostics = diagnostics;
        this.tooLarge = tooLarge;
    }

    Value call(String name, Expr.Call c, List<BoundArg> args) {
        for (BoundArg a : args) {
            if (a.syntax().name().isPresent()) {
                return error(Code.NS024, a.syntax(), name + "() takes no keyword arguments");
            }
        }
        return switch (name) {
            case "channels", "height", "width" -> dimension(name, c, args);
            case "range" -> range(c, args);
            case "len" -> len(c, args);
            default -> extreme(name, c, args); // min, max
        };
    }

    private Value dimension(String name, Expr.Call c, List<BoundArg> args) {
        if (args.size() != 1) {
            return error(Code.NS031, c, name + "() takes 1 argument, got " + args.size());
        }
        if (!(args.get(0).value() instanceof TensorV t)) {
            return error(Code.NS030, args.get(0).syntax(), name + "() needs a tensor, got "
                    + args.get(0).value().typeName());
        }
        if (!name.equals("channels") && !t.shape().isSpatial()) {
            return error(Code.NS045, args.get(0).syntax(), name + "() needs a CxHxW tensor, got " + t.shape());
        }
        return new IntV(t.shape().dims().get(switch (name) {
            case "channels" -> 0;
            case "height" -> 1;
            default -> 2;
        }));
    }

    private Value range(Expr.Call c, List<BoundArg> args) {
        if (args.isEmpty() || args.size() > 2) {
            return error(Code.NS031, c, "range() takes 1 or 2 arguments, got " + args.size());
        }
        long[] bounds = new long[args.size()];
        for (int i = 0; i < args.size(); i++) {
            if (!(args.get(i).value() instanceof IntV v)) {
                return error(Code.NS030, args.get(i).syntax(), "range() needs int, got "
                        + args.get(i).value().typeName());
            }
            bounds[i] = v.value();
        }
        long from = args.size() == 2 ? bounds[0] : 0;
        long to = args.size() == 2 ? bounds[1] : bounds[0];
        if (to - from > Elaborator.MAX_LAYERS) {
            tooLarge.run();
            return error(Code.NS052, c, "range of " + (to - from) + " items is larger than " + Elaborator.MAX_LAYERS);
        }
        List<Value> items = new ArrayList<>();
        for (long i = from; i < to; i++) {
            items.add(new IntV(i));
        }
        return new ListV(items);
    }

    private Value len(Expr.Call c, List<BoundArg> args) {
        if (args.size() != 1) {
            return error(Code.NS031, c, "len() takes 1 argument, got " + args.size());
        }
        if (!(args.get(0).value() instanceof ListV l)) {
            return error(Code.NS030, args.get(0).syntax(), "len() needs a list, got " + args.get(0).value().typeName());
        }
        return new IntV(l.items().size());
    }

    private Value extreme(String name, Expr.Call c, List<BoundArg> args) {
        if (args.isEmpty()) {
            return error(Code.NS031, c, name + "() needs at least 1 argument");
        }
        List<Value> values = args.size() == 1 && args.get(0).value() instanceof ListV l ? l.items()
                : args.stream().map(BoundArg::value).toList();
        long best = 0;
        for (int i = 0; i < values.size(); i++) {
            if (!(values.get(i) instanceof IntV v)) {
                return error(Code.NS030, c, name + "() needs ints, got " + values.get(i).typeName());
            }
            best = i == 0 ? v.value() : name.equals("min") ? Math.min(best, v.value()) : Math.max(best, v.value());
        }
        return values.isEmpty() ? error(Code.NS031, c, name + "() of an empty list") : new IntV(best);
    }

    private Value error(Code code, org.netspec.dsl.syntax.Node at, String message) {
        diagnostics.error(code, at.pos(), message);
        return new ErrorV();
    }
}
