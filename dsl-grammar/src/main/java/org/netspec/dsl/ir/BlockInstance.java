package org.netspec.dsl.ir;

import java.util.Map;

/** One use of a block in an elaborated network: its full name, definition and arguments. */
public record BlockInstance(String name, String block, Map<String, Object> args, String scope) {
    public BlockInstance {
        args = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(args));
    }
}
