package org.netspec.dsl.ops;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every built-in name of the language: its ops, named constants and static functions. Adding
 * an op means adding its {@link Op} here (signature, shape rule, runtime method) and its
 * runtime kernel; the checker, elaborator, generator and summaries read this registry.
 */
public final class OpRegistry {
    private OpRegistry() {}

    /** Ops by name, in the order the user guide lists them. */
    public static final Map<String, Op> OPS;

    static {
        List<Op> all = new ArrayList<>(List.of(Convolution.CONV, Normalization.BATCHNORM, Normalization.GROUPNORM));
        all.addAll(Elementwise.ACTIVATIONS);
        all.addAll(List.of(Convolution.MAXPOOL, Convolution.AVGPOOL, Reduction.MEAN, Reduction.DENSE,
                Reduction.FLATTEN, Elementwise.DROPOUT, Elementwise.DROP_PATH, Elementwise.ADD, Elementwise.MULTIPLY));
        Map<String, Op> ops = new LinkedHashMap<>();
        all.forEach(op -> ops.put(op.name(), op));
        OPS = Collections.unmodifiableMap(ops);
    }

    /**
     * A named constant ({@code same}) of a type, and where the runtime spells it:
     * {@code Padding.SAME}, or a plain string where {@code runtimeClass} is null.
     */
    public record Constant(String name, Type type, String runtimeClass, String runtimeField) {}

    public static final Map<String, Constant> CONSTANTS = byName(List.of(
            new Constant("same", Type.PADDING, "Padding", "SAME"),
            new Constant("valid", Type.PADDING, "Padding", "VALID"),
            new Constant("zeros", Type.INIT, "Init", "ZEROS"),
            new Constant("ones", Type.INIT, "Init", "ONES"),
            new Constant("spatial", Type.AXES, null, null)), Constant::name);

    /** A static function and the type it returns. */
    public record Function(String name, Type returns, String doc) {}

    public static final Map<String, Function> FUNCTIONS = byName(List.of(
            new Function("channels", Type.INT, "channels of a CxHxW or flat tensor"),
            new Function("height", Type.INT, "height of a CxHxW tensor"),
            new Function("width", Type.INT, "width of a CxHxW tensor"),
            new Function("range", Type.INT_LIST, "range(n) or range(from, to): the ints from (0) up to to - 1"),
            new Function("len", Type.INT, "length of a list"),
            new Function("min", Type.INT, "the least of ints, or of a list of ints"),
            new Function("max", Type.INT, "the greatest of ints, or of a list of ints")), Function::name);

    public static Op op(String name) {
        return OPS.get(name);
    }

    /** Whether {@code name} is an op, constant or function (which definitions may not shadow). */
    public static boolean isBuiltin(String name) {
        return OPS.containsKey(name) || CONSTANTS.containsKey(name) || FUNCTIONS.containsKey(name);
    }

    /** Every built-in name, for "did you mean". */
    public static List<String> names() {
        List<String> names = new ArrayList<>(OPS.keySet());
        names.addAll(FUNCTIONS.keySet());
        names.addAll(CONSTANTS.keySet());
        return names;
    }

    private static <T> Map<String, T> byName(List<T> items, java.util.function.Function<T, String> name) {
        Map<String, T> map = new LinkedHashMap<>();
        items.forEach(i -> map.put(name.apply(i), i));
        return Collections.unmodifiableMap(map);
    }
}
