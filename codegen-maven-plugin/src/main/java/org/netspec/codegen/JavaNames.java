package org.netspec.codegen;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.SourceVersion;

/**
 * Java names for one generated class: spec names in camel case ({@code zero_init} becomes
 * {@code zeroInit}, keywords get a trailing underscore), and field names unique in the class.
 */
final class JavaNames {
    /** Names the generated methods give their own parameters, which a spec's names must not take. */
    private static final Set<String> GENERATED_LOCALS = Set.of("b", "ctx", "args");

    private final Map<String, String> javaNames = new HashMap<>();
    private final Set<String> inUse = new HashSet<>(List.of("b", "ctx", "args", "x", "path", "output", "FACTORY"));

    /** The Java name of a spec variable or parameter. */
    String java(String specName) {
        return javaNames.computeIfAbsent(specName, n -> {
            String id = identifier(n);
            return GENERATED_LOCALS.contains(id) ? id + "2" : id; // a spec variable `b` must not hide the builder
        });
    }

    void reserve(String name) {
        inUse.add(name);
    }

    /** A field name from {@code base} that no other member of the class uses: conv1, conv1s, conv12, ... */
    String field(String base) {
        String field = base;
        for (int i = 2; inUse.contains(field) || SourceVersion.isKeyword(field); i++) {
            field = base + i;
        }
        inUse.add(field);
        return field;
    }

    static String identifier(String name) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : name.toCharArray()) {
            if (c == '_' || c == '.' || c == '{' || c == '}') {
                upper = out.length() > 0;
                continue;
            }
            out.append(upper ? Character.toUpperCase(c) : c);
            upper = false;
        }
        String id = out.length() == 0 ? "value" : out.toString();
        if (!Character.isJavaIdentifierStart(id.charAt(0))) {
            id = "_" + id;
        }
        return SourceVersion.isKeyword(id) ? id + "_" : id;
    }
}
