package org.netspec.runtime.io;

import java.io.IOException;
import java.nio.file.Path;

/** A Flax msgpack checkpoint that cannot be read or written; the message names the file and the tensor's path. */
public final class FlaxCheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public FlaxCheckpointException(Path file, String path, String reason, Throwable cause) {
        super("Flax checkpoint " + file + (path == null || path.isEmpty() ? "" : ", at '" + path + "'") + ": " + reason,
                cause);
    }

    public FlaxCheckpointException(Path file, String path, String reason) {
        this(file, path, reason, null);
    }
}
