package org.netspec.dsl.ops;

/**
 * One parameter of a built-in op.
 *
 * @param defaultValue a plain Java value ({@code Integer}, {@code Double}, {@code Boolean}, or a
 *                     constant's name such as {@code "ones"}); null when required or derived
 * @param required     no default; optional parameters without a default are derived by the
 *                     op's shape rule (a pool's stride is its kernel)
 */
public record Param(String name, Type type, Object defaultValue, boolean required) {
    static Param required(String name, Type type) {
        return new Param(name, type, null, true);
    }

    static Param optional(String name, Type type, Object defaultValue) {
        return new Param(name, type, defaultValue, false);
    }

    /** Optional, with a value the shape rule derives from the other arguments. */
    static Param derived(String name, Type type) {
        return new Param(name, type, null, false);
    }
}
