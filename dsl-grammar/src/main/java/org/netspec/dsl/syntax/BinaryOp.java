package org.netspec.dsl.syntax;

/**
 * The binary operators, with the language's precedence (as the grammar parses them; higher
 * binds tighter; the pretty-printer places its other levels around these). Printed as written: {@code toString()} is the symbol.
 */
public enum BinaryOp {
    OR("||", 2), AND("&&", 3),
    EQ("==", 4), NE("!=", 4), LT("<", 4), LE("<=", 4), GT(">", 4), GE(">=", 4),
    ADD("+", 5), SUB("-", 5),
    MUL("*", 6), DIV("/", 6), MOD("%", 6),
    /** Right-associative, and tighter than unary minus (7): {@code -2^2} is {@code -(2^2)}. */
    POW("^", 8);

    private final String symbol;
    private final int precedence;

    BinaryOp(String symbol, int precedence) {
        this.symbol = symbol;
        this.precedence = precedence;
    }

    public String symbol() {
        return symbol;
    }

    public int precedence() {
        return precedence;
    }

    /** {@code ==}, {@code !=}, {@code <}, ...: a bool from two values. */
    public boolean isComparison() {
        return precedence == 4;
    }

    /** {@code &&} and {@code ||}. */
    public boolean isLogical() {
        return this == OR || this == AND;
    }

    public static BinaryOp of(String symbol) {
        for (BinaryOp op : values()) {
            if (op.symbol.equals(symbol)) {
                return op;
            }
        }
        throw new IllegalArgumentException("no operator " + symbol);
    }

    @Override
    public String toString() {
        return symbol;
    }
}
