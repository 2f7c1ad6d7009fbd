package org.netspec.runtime.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A safetensors file that cannot be read or written: malformed, hostile, truncated, or an I/O error.
 *
 * <p>It is an {@link IOException} because everything that can raise it is file I/O, and callers
 * already handle {@code IOException} from opening the file; the reader wraps every lower-level
 * failure (including JSON parser errors) in this one type, so callers need a single catch. The
 * message always starts with the file and, where one is involved, names the tensor.
 */
public final class SafeTensorsException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String tensor;

    public SafeTensorsException(Path file, String tensor, String reason, Throwable cause) {
        super(format(file, tensor, reason), cause);
        this.file = file;
        this.tensor = tensor;
    }

    public SafeTensorsException(Path file, String tensor, String reason) {
        this(file, tensor, reason, null);
    }

    public SafeTensorsException(Path file, String reason) {
        this(file, null, reason, null);
    }

    /** The file concerned. */
    public Path file() {
        return file;
    }

    /** The tensor concerned, if the problem is with one tensor. */
    public Optional<String> tensor() {
        return Optional.ofNullable(tensor);
    }

    private static String format(Path file, String tensor, String reason) {
        StringBuilder sb = new StringBuilder("safetensors file ").append(file);
        if (tensor != null) {
            sb.append(", tensor '").append(printable(tensor)).append('\'');
        }
        return sb.append(": ").append(reason).toString();
    }

    /** Keeps hostile names (control characters, megabyte-long strings) from mangling logs. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        int limit = 200;
        for (int i = 0; i < s.length() && sb.length() < limit; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (sb.length() >= limit && s.length() > limit) {
            sb.append("...");
        }
        return sb.toString();
    }
}
