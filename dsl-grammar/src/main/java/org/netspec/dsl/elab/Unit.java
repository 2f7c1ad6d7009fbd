package org.netspec.dsl.elab;

import java.util.LinkedHashMap;
import java.util.Map;
import org.netspec.dsl.syntax.Definition;
import org.netspec.dsl.syntax.SpecFile;

/**
 * A parsed file with the definitions it can see: its own and those of the files it imports
 * directly. Identity-equal on purpose: units and definitions refer to each other.
 */
public final class Unit {
    private final SpecFile file;
    private final Map<String, Owned> visible = new LinkedHashMap<>();

    /** A definition together with the file it was written in (where its names resolve). */
    public record Owned(Definition def, Unit unit) {}

    public Unit(SpecFile file) {
        this.file = file;
    }

    public SpecFile file() {
        return file;
    }

    public Map<String, Owned> visible() {
        return visible;
    }
}
