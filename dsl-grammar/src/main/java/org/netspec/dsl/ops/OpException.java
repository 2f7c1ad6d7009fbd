package org.netspec.dsl.ops;

import org.netspec.dsl.diag.Code;

/** An op's arguments or inputs that it cannot accept; the elaborator reports it where the op was written. */
public final class OpException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Code code;

    public OpException(Code code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
