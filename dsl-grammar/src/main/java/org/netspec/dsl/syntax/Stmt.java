package org.netspec.dsl.syntax;

import java.util.List;
import java.util.Optional;
import org.netspec.dsl.diag.Pos;

/** Statements of a block or network body. */
public sealed interface Stmt extends Node {

    /** {@code y = x -> relu}; a name may be assigned again ({@code x = block(x)}). */
    record Assign(Pos pos, String name, Expr value) implements Stmt {}

    /** {@code for n in stages { ... }} or {@code for (i, n) in stages { ... }}. */
    record For(Pos pos, Optional<String> index, String item, Expr iterable, List<Stmt> body) implements Stmt {
        public For {
            body = List.copyOf(body);
        }
    }

    record Return(Pos pos, Expr value) implements Stmt {}
}
