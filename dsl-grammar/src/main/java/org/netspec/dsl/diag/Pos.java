package org.netspec.dsl.diag;

/**
 * A place in a spec file: 1-based line and column (as gcc and protoc print them) and the length
 * of the token or node start the caret underlines.
 */
public record Pos(String file, int line, int column, int length) {
    public static final Pos NONE = new Pos("<none>", 0, 0, 0);

    public static Pos of(String file, int line, int column) {
        return new Pos(file, line, column, 1);
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
