package org.netspec.codegen;

import org.netspec.dsl.diag.Pos;

/** A construct the generator cannot translate yet; reported as a diagnostic at {@code pos}. */
final class GeneratorException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Pos pos;

    GeneratorException(Pos pos, String message) {
        super(message);
        this.pos = pos;
    }
}
