package org.netspec.dsl.elab;

import org.netspec.dsl.diag.Code;
import org.netspec.dsl.diag.Diagnostics;
import org.netspec.dsl.elab.Value.BoolV;
import org.netspec.dsl.elab.Value.ErrorV;
import org.netspec.dsl.elab.Value.FloatV;
import org.netspec.dsl.elab.Value.IntV;
import org.netspec.dsl.elab.Value.LayerV;
import org.netspec.dsl.elab.Value.TensorV;
import org.netspec.dsl.syntax.BinaryOp;
import org.netspec.dsl.syntax.Expr;

/**
 * Static arithmetic, comparison and logic on evaluated operands: integers stay exact (overflow
 * and division by zero are diagnostics), mixed numbers become floats.
 */
final class Arithmetic {
    private final Diagnostics diagnostics;

    Arithmetic(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
    }

    Value unary(Expr.Unary u, Value v) {
        if (v instanceof ErrorV) {
            return v;
        }
        if (u.op().equals("-")) {
            if (v instanceof IntV i) {
                return new IntV(-i.value());
            }
            if (v instanceof FloatV f) {
                return new FloatV(-f.value());
            }
        } else if (v instanceof BoolV b) {
            return new BoolV(!b.value());
        }
        return error(Code.NS030, u, "operator " + u.op() + " does not apply to " + v.typeName());
    }

    /** {@code left op right} for static operands (tensor sums and gates are layers, applied by the elaborator). */
    Value binary(Expr.Binary b, Value left, Value right) {
        BinaryOp op = b.op();
        if (left instanceof BoolV l && right instanceof BoolV r) {
            switch (op) {
                case AND: return new BoolV(l.value() && r.value());
                case OR: return new BoolV(l.value() || r.value());
                case EQ: return new BoolV(l.value() == r.value());
                case NE: return new BoolV(l.value() != r.value());
                default: break;
            }
        }
        if (left instanceof IntV l && right instanceof IntV r) {
            return integers(b, l.value(), r.value());
        }
        if (isNumber(left) && isNumber(right)) {
            double l = number(left);
            double r = number(right);
            return switch (op) {
                case ADD -> new FloatV(l + r);
                case SUB -> new FloatV(l - r);
                case MUL -> new FloatV(l * r);
                case DIV -> r == 0 ? error(Code.NS036, b, "division by zero") : new FloatV(l / r);
                case POW -> new FloatV(Math.pow(l, r));
                default -> compare(b, Double.compare(l, r), left, right);
            };
        }
        if ((op == BinaryOp.EQ || op == BinaryOp.NE) && left.getClass() == right.getClass()
                && !(left instanceof TensorV) && !(left instanceof LayerV)) {
            return new BoolV(left.equals(right) == (op == BinaryOp.EQ));
        }
        return mismatch(b, left, right);
    }

    private Value integers(Expr.Binary b, long l, long r) {
        try {
            return switch (b.op()) {
                case ADD -> new IntV(Math.addExact(l, r));
                case SUB -> new IntV(Math.subtractExact(l, r));
                case MUL -> new IntV(Math.multiplyExact(l, r));
                case DIV, MOD -> {
                    if (r == 0) {
                        yield error(Code.NS036, b, "division by zero");
                    }
                    yield new IntV(b.op() == BinaryOp.DIV ? Math.floorDiv(l, r) : Math.floorMod(l, r));
                }
                case POW -> power(b, l, r);
                default -> compare(b, Long.compare(l, r), new IntV(l), new IntV(r));
            };
        } catch (ArithmeticException e) {
            return error(Code.NS036, b, "integer overflow in " + l + " " + b.op() + " " + r);
        }
    }

    private Value power(Expr.Binary b, long base, long exponent) {
        if (exponent < 0) {
            return error(Code.NS036, b, "negative exponent " + exponent + " in integer power");
        }
        long result = 1;
        for (long i = 0; i < exponent; i++) {
            result = Math.multiplyExact(result, base);
            if (result == 0 || result == 1 && base == 1) {
                break;
            }
        }
        return new IntV(result);
    }

    private Value compare(Expr.Binary b, int c, Value left, Value right) {
        return switch (b.op()) {
            case LT -> new BoolV(c < 0);
            case LE -> new BoolV(c <= 0);
            case GT -> new BoolV(c > 0);
            case GE -> new BoolV(c >= 0);
            case EQ -> new BoolV(c == 0);
            case NE -> new BoolV(c != 0);
            default -> mismatch(b, left, right);
        };
    }

    private Value mismatch(Expr.Binary b, Value left, Value right) {
        return error(Code.NS030, b, "operator " + b.op() + " does not apply to " + left.typeName() + " and "
                + right.typeName());
    }

    static boolean isNumber(Value v) {
        return v instanceof IntV || v instanceof FloatV;
    }

    static double number(Value v) {
        return v instanceof IntV i ? i.value() : ((FloatV) v).value();
    }

    private Value error(Code code, Expr at, String message) {
        diagnostics.error(code, at.pos(), message);
        return new ErrorV();
    }
}
