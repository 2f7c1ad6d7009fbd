package org.netspec.runtime;

/**
 * Input a model refuses: a batch of the wrong shape, layout or type, non-finite values, or a
 * pass larger than the memory budget. The user's mistake, not NetSpec's: the command line
 * reports it with exit status 1. An {@link IllegalArgumentException}, as such refusals always were.
 */
public final class InputException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InputException(String message) {
        super(message);
    }
}
