package org.netspec.dsl.types;

import org.netspec.dsl.elab.Unit;
import org.netspec.dsl.ops.Op;
import org.netspec.dsl.ops.OpRegistry;
import org.netspec.dsl.ops.Type;

/** What a name in a body refers to, resolved once by the type pass. */
public sealed interface Ref {
    /** A parameter, loop variable or local value (the input {@code x} included). */
    record Local(Type type) implements Ref {}

    /** A block, network or model visible in the file. */
    record Definition(Unit.Owned owned) implements Ref {}

    record BuiltinOp(Op op) implements Ref {}

    record Function(OpRegistry.Function function) implements Ref {}

    record Constant(OpRegistry.Constant constant) implements Ref {}

    /** Nothing of that name (reported by the checker). */
    record Unknown() implements Ref {}
}
