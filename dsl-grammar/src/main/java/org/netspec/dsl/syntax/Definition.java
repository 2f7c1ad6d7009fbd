package org.netspec.dsl.syntax;

import java.util.List;
import java.util.Optional;
import org.netspec.dsl.diag.Pos;

/** A top-level definition: a block, a network or a model. */
public sealed interface Definition extends Node {
    String name();

    /** The {@code /** ... *}{@code /} comment in front of the definition, without its markers. */
    Optional<String> doc();

    /** A reusable layer group with typed parameters; its input is {@code x}. */
    record Block(Pos pos, String name, List<Param> params, List<Stmt> body, Optional<String> doc)
            implements Definition {
        public Block {
            params = List.copyOf(params);
            body = List.copyOf(body);
        }
    }

    /** Like a block, but a whole network: it may declare a default input shape. */
    record Network(Pos pos, String name, List<Param> params, Optional<Expr.SizeLit> input, List<Stmt> body,
                   Optional<String> doc) implements Definition {
        public Network {
            params = List.copyOf(params);
            body = List.copyOf(body);
        }
    }

    /** {@code model ResNet50 = ResNet(block: Bottleneck, stages: [3, 4, 6, 3]);} */
    record Model(Pos pos, String name, Expr value, Optional<Expr.SizeLit> input, Optional<String> doc)
            implements Definition {}

    /** {@code stride: int = 1}. */
    record Param(Pos pos, String name, TypeRef type, Optional<Expr> defaultValue) implements Node {}

    /** {@code int}, {@code int[]}, {@code block}, ... resolved by the checker. */
    record TypeRef(Pos pos, String name, boolean list) implements Node {
        @Override
        public String toString() {
            return list ? name + "[]" : name;
        }
    }
}
