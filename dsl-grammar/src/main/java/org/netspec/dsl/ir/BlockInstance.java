package org.netspec.dsl.ir;

import java.util.Map;

/** One use of a block in an elaborated network: its full name, definition, arguments and output shape. */
public record BlockInstance(String name, String block, Map<String, Object> args, String scope, Shape output) {
    public BlockInstance {
        args = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(args));
    }
}
