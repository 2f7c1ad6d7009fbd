package org.netspec.runtime.data;

import java.io.IOException;

/** A data file that cannot be used; the message names the file and, where it applies, the record. */
public final class DataException extends IOException {
    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
