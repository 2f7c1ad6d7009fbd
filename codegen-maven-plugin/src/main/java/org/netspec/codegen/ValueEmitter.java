package org.netspec.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import java.util.ArrayList;
import java.util.List;
import org.netspec.dsl.elab.Unit;
import org.netspec.dsl.ops.Type;
import org.netspec.dsl.syntax.BinaryOp;
import org.netspec.dsl.syntax.Definition;
import org.netspec.dsl.syntax.Expr;
import org.netspec.dsl.types.Ref;
import org.netspec.dsl.types.Types;

/**
 * Static expressions of a spec as Java expressions: arithmetic with the language's integer
 * semantics ({@code Math.floorDiv}), constants as the runtime spells them, blocks as factories.
 * Types come from the front end's type pass.
 */
final class ValueEmitter {
    /** Translates a tensor-valued argument ({@code channels(x)}), which may emit statements. */
    interface TensorEmitter {
        CodeBlock tensor(Expr expr);
    }

    private final Types types;
    private final JavaNames names;
    private final TensorEmitter tensors;

    ValueEmitter(Types types, JavaNames names, TensorEmitter tensors) {
        this.types = types;
        this.names = names;
        this.tensors = tensors;
    }

    /** A static expression as Java, coerced to {@code expected} (3 → Size.of(3), 1 → 1.0, ...). */
    CodeBlock value(Expr expr, Type expected) {
        Type actual = types.of(expr);
        CodeBlock raw = staticValue(expr, actual);
        if (actual == expected || expected == Type.UNKNOWN) {
            return raw;
        }
        if (expected == Type.FLOAT && actual == Type.INT) {
            return expr instanceof Expr.IntLit i ? CodeBlock.of("$L.0", i.value()) : CodeBlock.of("(double) $L", raw);
        }
        if (expected == Type.SIZE && actual == Type.INT) {
            return CodeBlock.of("$T.of($L)", Rt.SIZE, raw);
        }
        if (expected == Type.PADDING && (actual == Type.INT || actual == Type.SIZE)) {
            return CodeBlock.of("$T.of($L)", Rt.PADDING, raw);
        }
        return raw;
    }

    private CodeBlock staticValue(Expr expr, Type type) {
        if (expr instanceof Expr.IntLit i) {
            return CodeBlock.of("$L", i.value());
        } else if (expr instanceof Expr.FloatLit f) {
            return CodeBlock.of("$L", Double.toString(f.value()));
        } else if (expr instanceof Expr.BoolLit b) {
            return CodeBlock.of("$L", b.value());
        } else if (expr instanceof Expr.StringLit s) {
            return CodeBlock.of("$S", s.value());
        } else if (expr instanceof Expr.SizeLit s) {
            return CodeBlock.of("$T.of($L, $L)", Rt.SIZE, s.dims().get(0), s.dims().get(s.dims().size() - 1));
        } else if (expr instanceof Expr.Name n) {
            return name(n);
        } else if (expr instanceof Expr.ListLit l) {
            Type element = type == Type.FLOAT_LIST ? Type.FLOAT
                    : type == Type.BOOL_LIST ? Type.BOOL : Type.INT;
            List<CodeBlock> items = new ArrayList<>();
            for (Expr item : l.items()) {
                items.add(value(item, element));
            }
            return CodeBlock.of("$T.of($L)", Rt.LIST, CodeBlock.join(items, ", "));
        } else if (expr instanceof Expr.Unary u) {
            return CodeBlock.of("$L$L", u.op(), wrap(u.operand()));
        } else if (expr instanceof Expr.Binary b) {
            return binary(b, type);
        } else if (expr instanceof Expr.If i) {
            return CodeBlock.of("$L ? $L : $L", wrap(i.cond()), wrap(i.then()), wrap(i.otherwise()));
        } else if (expr instanceof Expr.Index ix) {
            return CodeBlock.of("$L.get($L)", wrap(ix.target()), value(ix.index(), Type.INT));
        } else if (expr instanceof Expr.Call c) {
            return staticCall(c, type);
        }
        throw new GeneratorException(expr.pos(), "the generator cannot translate this value yet");
    }

    private CodeBlock wrap(Expr e) {
        CodeBlock v = value(e, types.of(e));
        return e instanceof Expr.Binary || e instanceof Expr.If ? CodeBlock.of("($L)", v) : v;
    }

    private CodeBlock binary(Expr.Binary b, Type type) {
        Type lt = types.of(b.left());
        Type rt = types.of(b.right());
        boolean ints = lt == Type.INT && rt == Type.INT;
        switch (b.op()) {
            case POW:
                return ints ? CodeBlock.of("$T.pow($L, $L)", Rt.STATIC, value(b.left(), lt), value(b.right(), rt))
                        : CodeBlock.of("$T.pow($L, $L)", Math.class, value(b.left(), Type.FLOAT),
                        value(b.right(), Type.FLOAT));
            case DIV:
                if (ints) {
                    return CodeBlock.of("$T.floorDiv($L, $L)", Math.class, value(b.left(), lt), value(b.right(), rt));
                }
                break;
            case MOD:
                if (ints) {
                    return CodeBlock.of("$T.floorMod($L, $L)", Math.class, value(b.left(), lt), value(b.right(), rt));
                }
                break;
            case EQ:
            case NE:
                if (!(lt == Type.INT || lt == Type.FLOAT || lt == Type.BOOL)) {
                    return CodeBlock.of("$L$T.equals($L, $L)", b.op() == BinaryOp.NE ? "!" : "",
                            java.util.Objects.class, wrap(b.left()), wrap(b.right()));
                }
                break;
            default:
                break;
        }
        return CodeBlock.of("$L $L $L", operand(b.left(), b.op(), false), b.op(), operand(b.right(), b.op(), true));
    }

    /** Parenthesises a child of a binary operator where Java would bind it differently. */
    private CodeBlock operand(Expr child, BinaryOp parentOp, boolean right) {
        CodeBlock v = value(child, types.of(child));
        if (child instanceof Expr.If) {
            return CodeBlock.of("($L)", v);
        }
        if (child instanceof Expr.Binary c && infix(c)) {
            int pc = precedence(c.op());
            int pp = precedence(parentOp);
            if (pc < pp || right && pc == pp) {
                return CodeBlock.of("($L)", v);
            }
        }
        return v;
    }

    /** Whether {@link #binary} writes this operator infix (rather than as a method call). */
    private boolean infix(Expr.Binary b) {
        Type lt = types.of(b.left());
        Type rt = types.of(b.right());
        boolean ints = lt == Type.INT && rt == Type.INT;
        if (b.op() == BinaryOp.POW || ints && (b.op() == BinaryOp.DIV || b.op() == BinaryOp.MOD)) {
            return false;
        }
        return !(b.op() == BinaryOp.EQ || b.op() == BinaryOp.NE)
                || lt == Type.INT || lt == Type.FLOAT || lt == Type.BOOL;
    }

    /** Java's precedence (not the language's: Java binds {@code <} tighter than {@code ==}). */
    private static int precedence(BinaryOp op) {
        return switch (op) {
            case OR -> 1;
            case AND -> 2;
            case EQ, NE -> 3;
            case LT, LE, GT, GE -> 4;
            case ADD, SUB -> 5;
            case MUL, DIV, MOD -> 6;
            case POW -> 7;
        };
    }

    private CodeBlock staticCall(Expr.Call c, Type type) {
        if (c.callee() instanceof Expr.Name n && !(types.ref(n) instanceof Ref.Local)) {
            List<Expr> args = c.args().stream().map(Expr.Arg::value).toList();
            switch (n.name()) {
                case "channels":
                case "height":
                case "width":
                    return CodeBlock.of("$T.$N($L)", Rt.TENSORS, n.name(), tensors.tensor(args.get(0)));
                case "range":
                    return CodeBlock.of("$T.range($L)", Rt.STATIC, CodeBlock.join(
                            args.stream().map(a -> value(a, Type.INT)).toList(), ", "));
                case "len":
                    return CodeBlock.of("$L.size()", wrap(args.get(0)));
                case "min":
                case "max":
                    return CodeBlock.of("$T.$N($L)", Rt.STATIC, n.name(), CodeBlock.join(
                            args.stream().map(a -> value(a, types.of(a))).toList(), ", "));
                default:
                    break;
            }
            if (types.ref(n) instanceof Ref.Definition d && type == Type.BLOCK) {
                // Bottleneck(base_width: 128): a block with some arguments bound
                Unit.Owned owned = d.owned();
                ClassName cls = ClassName.get(owned.unit().file().packageName().orElse(""), owned.def().name());
                return CodeBlock.of("$T.FACTORY.with($L)", cls, argsOf(c.args()));
            }
        }
        throw new GeneratorException(c.pos(), "the generator cannot translate this call as a value yet");
    }

    private CodeBlock name(Expr.Name n) {
        Ref ref = types.ref(n);
        if (ref instanceof Ref.Local) {
            return CodeBlock.of("$N", names.java(n.name()));
        }
        if (ref instanceof Ref.Constant c) {
            return JavaEmitter.constant(c.constant());
        }
        if (ref instanceof Ref.Definition d && !(d.owned().def() instanceof Definition.Model)) {
            Unit.Owned owned = d.owned();
            return CodeBlock.of("$T.FACTORY", ClassName.get(owned.unit().file().packageName().orElse(""), owned.def().name()));
        }
        throw new GeneratorException(n.pos(), "the generator cannot use '" + n.name() + "' as a value");
    }

    /** {@code Args.of(a, b).with("stride", s)}: arguments for a block's {@code create}. */
    CodeBlock argsOf(List<Expr.Arg> args) {
        CodeBlock.Builder c = CodeBlock.builder().add("$T.of(", Rt.ARGS);
        boolean first = true;
        for (Expr.Arg a : args) {
            if (a.name().isEmpty()) {
                c.add(first ? "$L" : ", $L", value(a.value(), types.of(a.value())));
                first = false;
            }
        }
        c.add(")");
        for (Expr.Arg a : args) {
            if (a.name().isPresent()) {
                c.add(".with($S, $L)", a.name().get(), value(a.value(), types.of(a.value())));
            }
        }
        return c.build();
    }

}
