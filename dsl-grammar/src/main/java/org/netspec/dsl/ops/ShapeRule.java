package org.netspec.dsl.ops;

import org.netspec.dsl.ir.Shape;

/** An op's static semantics: checks its arguments and input shapes, declares its tensors, gives its output. */
@FunctionalInterface
public interface ShapeRule {
    Shape infer(Application a) throws OpException;
}
