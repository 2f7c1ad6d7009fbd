package org.netspec.dsl.elab;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The catalogue of built-in ops: their parameters (types, defaults), how many tensors they take,
 * and nothing else — shapes, parameter and MAC counts live in {@link Elaborator}.
 */
public final class Ops {
    private Ops() {}

    /** Parameter types the checker knows. */
    public enum Type {
        INT("int"), FLOAT("float"), BOOL("bool"), SIZE("size"), PADDING("padding"), INIT("init"),
        AXES("axes"), STRING("string"), BLOCK("block"), INT_LIST("int[]"), FLOAT_LIST("float[]"),
        BOOL_LIST("bool[]");

        private final String spelling;

        Type(String spelling) {
            this.spelling = spelling;
        }

        public String spelling() {
            return spelling;
        }

        /** The type named in a spec ({@code int}, {@code int[]}), or null when unknown. */
        public static Type named(String name, boolean list) {
            for (Type t : values()) {
                if (t.spelling.equals(list ? name + "[]" : name) && t != AXES) {
                    return t;
                }
            }
            return null;
        }
    }

    /** {@code required} params have no default; optional ones without a default are derived. */
    public record Param(String name, Type type, Value defaultValue, boolean required) {}

    public record Op(String name, int inputs, List<Param> params, String doc) {
        public Param param(String name) {
            return params.stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
        }
    }

    private static Param req(String name, Type type) {
        return new Param(name, type, null, true);
    }

    private static Param opt(String name, Type type, Value value) {
        return new Param(name, type, value, false);
    }

    private static final Value ONE = new Value.IntV(1);
    private static final Value ZERO = new Value.IntV(0);

    public static final Map<String, Op> ALL;

    static {
        Map<String, Op> ops = new LinkedHashMap<>();
        add(ops, new Op("conv", 1, List.of(req("filters", Type.INT), req("kernel", Type.SIZE),
                opt("stride", Type.SIZE, ONE), opt("padding", Type.PADDING, ZERO), opt("dilation", Type.SIZE, ONE),
                opt("groups", Type.INT, ONE), opt("bias", Type.BOOL, new Value.BoolV(true))),
                "2-D convolution; weights OIHW"));
        add(ops, new Op("batchnorm", 1, List.of(opt("momentum", Type.FLOAT, new Value.FloatV(0.1)),
                opt("epsilon", Type.FLOAT, new Value.FloatV(1e-5)),
                opt("scale_init", Type.INIT, new Value.EnumV("init", "ones")),
                opt("biased_var", Type.BOOL, new Value.BoolV(false))),
                "batch normalisation over channels (momentum as in PyTorch: new = (1-m)·old + m·batch; the running"
                        + " variance takes the unbiased batch variance as PyTorch's does, or with biased_var the biased one"
                        + " as Flax's does)"));
        for (String act : List.of("relu", "sigmoid", "tanh", "silu", "gelu", "identity")) {
            add(ops, new Op(act, 1, List.of(), "element-wise " + act));
        }
        for (String pool : List.of("maxpool", "avgpool")) {
            add(ops, new Op(pool, 1, List.of(req("kernel", Type.SIZE), new Param("stride", Type.SIZE, null, false),
                    opt("padding", Type.PADDING, ZERO)), pool + " pooling; stride defaults to the kernel"));
        }
        add(ops, new Op("mean", 1, List.of(opt("axes", Type.AXES, new Value.EnumV("axes", "spatial")),
                opt("keepdims", Type.BOOL, new Value.BoolV(false))), "global mean over the spatial axes"));
        add(ops, new Op("dense", 1, List.of(req("units", Type.INT), opt("bias", Type.BOOL, new Value.BoolV(true))),
                "fully connected layer; weights [out, in]"));
        add(ops, new Op("flatten", 1, List.of(), "C x H x W to one flat value"));
        add(ops, new Op("dropout", 1, List.of(req("rate", Type.FLOAT)), "dropout in training mode"));
        add(ops, new Op("add", 2, List.of(), "element-wise sum (also written a + b)"));
        add(ops, new Op("multiply", 2, List.of(), "element-wise product, C x 1 x 1 broadcasts (also written a * b)"));
        ALL = java.util.Collections.unmodifiableMap(ops);
    }

    private static void add(Map<String, Op> ops, Op op) {
        ops.put(op.name(), op);
    }

    /** Named constants and the type they belong to. */
    public static final Map<String, Value.EnumV> CONSTANTS = Map.of(
            "same", new Value.EnumV("padding", "same"),
            "valid", new Value.EnumV("padding", "valid"),
            "zeros", new Value.EnumV("init", "zeros"),
            "ones", new Value.EnumV("init", "ones"),
            "spatial", new Value.EnumV("axes", "spatial"));

    /** Static functions: {@code channels(x)}, {@code height(x)}, {@code width(x)}, {@code range}, ... */
    public static final List<String> FUNCTIONS = List.of("channels", "height", "width", "range", "len", "min", "max");
}
