package org.netspec.dsl.ops;

/**
 * The static types of the language: what a parameter may be declared as, and what every
 * expression of a block's body evaluates to (recorded per expression by the front end's type pass).
 */
public enum Type {
    INT("int", true),
    FLOAT("float", true),
    BOOL("bool", true),
    STRING("string", true),
    SIZE("size", true),
    PADDING("padding", true),
    INIT("init", true),
    /** {@code spatial}: the axes {@code mean} reduces over; not declarable. */
    AXES("axes", false),
    INT_LIST("int[]", true),
    FLOAT_LIST("float[]", true),
    BOOL_LIST("bool[]", true),
    /** A block or network, possibly with some arguments bound ({@code Bottleneck(base_width: 128)}). */
    BLOCK("block", true),
    /** An op or block configured but not yet applied ({@code conv(8, 3x3)} before {@code ->}). */
    LAYER("layer", false),
    /** A value flowing through the network: a shape while building, a batch while running. */
    TENSOR("tensor", false),
    /** A built-in op named without arguments ({@code relu}). */
    OP("op", false),
    /** A built-in static function ({@code channels}, {@code range}). */
    FUNCTION("function", false),
    /** After an error, or where nothing is known. */
    UNKNOWN("unknown", false);

    private final String spelling;
    private final boolean declarable;

    Type(String spelling, boolean declarable) {
        this.spelling = spelling;
        this.declarable = declarable;
    }

    /** As a spec writes it: {@code int}, {@code int[]}, {@code block}. */
    public String spelling() {
        return spelling;
    }

    /** Whether a value of this type is known at build time (numbers, sizes, lists, blocks). */
    public boolean isStatic() {
        return declarable || this == AXES;
    }

    public boolean isList() {
        return this == INT_LIST || this == FLOAT_LIST || this == BOOL_LIST;
    }

    /** The element type of a list type, {@code INT} for anything else (a {@code range}). */
    public Type element() {
        return this == FLOAT_LIST ? FLOAT : this == BOOL_LIST ? BOOL : INT;
    }

    /** The type a parameter declaration names ({@code int}, {@code int[]}), or null when unknown. */
    public static Type declared(String name, boolean list) {
        String spelled = list ? name + "[]" : name;
        for (Type t : values()) {
            if (t.declarable && t.spelling.equals(spelled)) {
                return t;
            }
        }
        return null;
    }

    /** The names a parameter may be declared with, for "did you mean" and messages. */
    public static java.util.List<String> declarableNames() {
        return java.util.Arrays.stream(values()).filter(t -> t.declarable && !t.isList()).map(Type::spelling).toList();
    }
}
