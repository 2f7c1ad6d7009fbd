package org.netspec.dsl.syntax;

import org.netspec.dsl.diag.Pos;

/** Every syntax-tree node knows where it came from. */
public interface Node {
    Pos pos();
}
