package org.netspec.dsl.syntax;

import java.util.List;
import java.util.Optional;
import org.netspec.dsl.diag.Pos;

/** Expressions: static arithmetic and dataflow share one syntax; the checker tells them apart. */
public sealed interface Expr extends Node {

    record IntLit(Pos pos, long value) implements Expr {}

    record FloatLit(Pos pos, double value) implements Expr {}

    /** {@code 3x3} or {@code 3x224x224}. */
    record SizeLit(Pos pos, List<Integer> dims) implements Expr {
        public SizeLit {
            dims = List.copyOf(dims);
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < dims.size(); i++) {
                out.append(i == 0 ? "" : "x").append(dims.get(i));
            }
            return out.toString();
        }
    }

    record StringLit(Pos pos, String value) implements Expr {}

    record BoolLit(Pos pos, boolean value) implements Expr {}

    record Name(Pos pos, String name) implements Expr {}

    record ListLit(Pos pos, List<Expr> items) implements Expr {
        public ListLit {
            items = List.copyOf(items);
        }
    }

    /** {@code -a}, {@code !a}. */
    record Unary(Pos pos, String op, Expr operand) implements Expr {}

    /** Arithmetic, comparison, logic; {@code +} and {@code *} of tensors are residual add / gating. */
    record Binary(Pos pos, BinaryOp op, Expr left, Expr right) implements Expr {}

    /** {@code if (cond) a else b}; the condition must be static. */
    record If(Pos pos, Expr cond, Expr then, Expr otherwise) implements Expr {}

    /** {@code input -> label: step}: applies a layer to a value. */
    record Pipe(Pos pos, Expr input, Optional<Label> label, Expr step) implements Expr {}

    /** {@code callee(args)}: configures an op or block, or applies it when given a tensor. */
    record Call(Pos pos, Expr callee, List<Arg> args) implements Expr {
        public Call {
            args = List.copyOf(args);
        }
    }

    /** {@code list[i]}. */
    record Index(Pos pos, Expr target, Expr index) implements Expr {}

    /** A positional ({@code name} empty) or keyword argument. */
    record Arg(Pos pos, Optional<String> name, Expr value) implements Node {}

    /** {@code layer{i + 1}.{j}}: parts joined with dots. */
    record Label(Pos pos, List<LabelPart> parts) implements Node {
        public Label {
            parts = List.copyOf(parts);
        }
    }

    /** A literal text ({@code layer}, {@code 0}), a computed part ({@code {j}}), or both ({@code layer{i}}). */
    record LabelPart(Pos pos, Optional<String> text, Optional<Expr> computed) implements Node {}
}
