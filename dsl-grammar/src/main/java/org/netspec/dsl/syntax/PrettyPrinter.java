package org.netspec.dsl.syntax;

import java.util.ArrayList;
import java.util.List;

/**
 * Prints a syntax tree back as canonical {@code .net} text that parses to an equal tree:
 * four-space indentation, minimal parentheses, long {@code ->} chains broken one step per line.
 * Ordinary comments are not part of the tree and are not kept; doc comments are.
 */
public final class PrettyPrinter {
    private static final int WIDTH = 100;

    // Precedence levels, loosest first; they mirror NetSpecParser.g4. The binary operators' levels
    // (2 to 6, and 8 for ^) are BinaryOp's.
    private static final int IF = 0;
    private static final int PIPE = 1;
    private static final int UNARY = 7;
    private static final int POSTFIX = 9;

    private final StringBuilder out = new StringBuilder();

    private PrettyPrinter() {}

    public static String print(SpecFile file) {
        PrettyPrinter p = new PrettyPrinter();
        p.file(file);
        return p.out.toString();
    }

    public static String print(Expr expr) {
        return expr(expr, IF);
    }

    /** One definition in canonical form, without its doc comment. */
    public static String print(Definition def) {
        PrettyPrinter p = new PrettyPrinter();
        if (def instanceof Definition.Model m) {
            p.definition(new Definition.Model(m.pos(), m.name(), m.value(), m.input(), java.util.Optional.empty()));
        } else if (def instanceof Definition.Block b) {
            p.definition(new Definition.Block(b.pos(), b.name(), b.params(), b.body(), java.util.Optional.empty()));
        } else {
            Definition.Network n = (Definition.Network) def;
            p.definition(new Definition.Network(n.pos(), n.name(), n.params(), n.input(), n.body(), java.util.Optional.empty()));
        }
        return p.out.toString();
    }

    private void file(SpecFile file) {
        file.packageName().ifPresent(p -> out.append("package ").append(p).append(";\n\n"));
        for (SpecFile.Import imp : file.imports()) {
            out.append("import ").append(quote(imp.path())).append(";\n");
        }
        if (!file.imports().isEmpty()) {
            out.append('\n');
        }
        for (int i = 0; i < file.definitions().size(); i++) {
            Definition def = file.definitions().get(i);
            Definition next = i + 1 < file.definitions().size() ? file.definitions().get(i + 1) : null;
            definition(def);
            // Consecutive models stay together; everything else gets a blank line between.
            if (next != null && !(def instanceof Definition.Model && next instanceof Definition.Model
                    && next.doc().isEmpty())) {
                out.append('\n');
            }
        }
    }

    private void definition(Definition def) {
        def.doc().ifPresent(this::doc);
        if (def instanceof Definition.Model m) {
            out.append("model ").append(m.name()).append(" = ").append(expr(m.value(), IF));
            m.input().ifPresent(s -> out.append(" input ").append(s));
            out.append(";\n");
            return;
        }
        boolean block = def instanceof Definition.Block;
        List<Definition.Param> params = block ? ((Definition.Block) def).params() : ((Definition.Network) def).params();
        List<Stmt> body = block ? ((Definition.Block) def).body() : ((Definition.Network) def).body();
        out.append(block ? "block " : "network ").append(def.name()).append('(');
        List<String> printed = new ArrayList<>();
        for (Definition.Param p : params) {
            printed.add(p.name() + ": " + p.type() + p.defaultValue().map(d -> " = " + expr(d, IF)).orElse(""));
        }
        out.append(String.join(", ", printed)).append(')');
        if (def instanceof Definition.Network n) {
            n.input().ifPresent(s -> out.append(" input ").append(s));
        }
        out.append(" {\n");
        statements(body, "    ");
        out.append("}\n");
    }

    private void doc(String text) {
        out.append("/**\n");
        for (String line : text.split("\n", -1)) {
            out.append(line.isEmpty() ? " *" : " * " + line).append('\n');
        }
        out.append(" */\n");
    }

    private void statements(List<Stmt> body, String indent) {
        for (Stmt stmt : body) {
            if (stmt instanceof Stmt.Assign a) {
                out.append(indent).append(a.name()).append(" = ").append(chain(a.value(), indent)).append('\n');
            } else if (stmt instanceof Stmt.Return r) {
                out.append(indent).append("return ").append(chain(r.value(), indent)).append('\n');
            } else {
                Stmt.For f = (Stmt.For) stmt;
                out.append(indent).append("for ");
                out.append(f.index().map(i -> "(" + i + ", " + f.item() + ")").orElse(f.item()));
                out.append(" in ").append(expr(f.iterable(), IF)).append(" {\n");
                statements(f.body(), indent + "    ");
                out.append(indent).append("}\n");
            }
        }
    }

    /** An expression on one line, or a long pipe chain with one step per continuation line. */
    private static String chain(Expr expr, String indent) {
        String flat = expr(expr, IF);
        if (flat.length() + indent.length() <= WIDTH || !(expr instanceof Expr.Pipe)) {
            return flat;
        }
        List<Expr.Pipe> steps = new ArrayList<>();
        Expr head = expr;
        while (head instanceof Expr.Pipe p) {
            steps.add(0, p);
            head = p.input();
        }
        StringBuilder text = new StringBuilder(expr(head, PIPE));
        for (Expr.Pipe p : steps) {
            text.append('\n').append(indent).append("    -> ").append(step(p));
        }
        return text.toString();
    }

    private static String step(Expr.Pipe p) {
        return p.label().map(l -> label(l) + ": ").orElse("") + expr(p.step(), POSTFIX);
    }

    private static String expr(Expr expr, int context) {
        int level = level(expr);
        String text = text(expr);
        return level < context ? "(" + text + ")" : text;
    }

    private static int level(Expr expr) {
        if (expr instanceof Expr.If) {
            return IF;
        }
        if (expr instanceof Expr.Pipe) {
            return PIPE;
        }
        if (expr instanceof Expr.Unary) {
            return UNARY;
        }
        if (expr instanceof Expr.Binary b) {
            return binaryLevel(b.op());
        }
        return POSTFIX;
    }

    private static int binaryLevel(BinaryOp op) {
        return op.precedence();
    }

    private static String text(Expr expr) {
        if (expr instanceof Expr.IntLit i) {
            return Long.toString(i.value());
        } else if (expr instanceof Expr.FloatLit f) {
            return Double.toString(f.value());
        } else if (expr instanceof Expr.SizeLit s) {
            return s.toString();
        } else if (expr instanceof Expr.StringLit s) {
            return quote(s.value());
        } else if (expr instanceof Expr.BoolLit b) {
            return Boolean.toString(b.value());
        } else if (expr instanceof Expr.Name n) {
            return n.name();
        } else if (expr instanceof Expr.ListLit l) {
            List<String> items = l.items().stream().map(i -> expr(i, IF)).toList();
            return "[" + String.join(", ", items) + "]";
        } else if (expr instanceof Expr.Unary u) {
            return u.op() + expr(u.operand(), UNARY);
        } else if (expr instanceof Expr.Binary b) {
            int level = binaryLevel(b.op());
            boolean right = b.op() == BinaryOp.POW; // ^ is right-associative
            return expr(b.left(), right ? level + 1 : level) + " " + b.op() + " " + expr(b.right(), right ? level : level + 1);
        } else if (expr instanceof Expr.If i) {
            return "if (" + expr(i.cond(), IF) + ") " + expr(i.then(), IF) + " else " + expr(i.otherwise(), IF);
        } else if (expr instanceof Expr.Pipe p) {
            return expr(p.input(), PIPE) + " -> " + step(p);
        } else if (expr instanceof Expr.Call c) {
            List<String> args = new ArrayList<>();
            for (Expr.Arg a : c.args()) {
                args.add(a.name().map(n -> n + ": ").orElse("") + expr(a.value(), IF));
            }
            return expr(c.callee(), POSTFIX) + "(" + String.join(", ", args) + ")";
        }
        Expr.Index ix = (Expr.Index) expr;
        return expr(ix.target(), POSTFIX) + "[" + expr(ix.index(), IF) + "]";
    }

    private static String label(Expr.Label label) {
        List<String> parts = new ArrayList<>();
        for (Expr.LabelPart part : label.parts()) {
            parts.add(part.text().orElse("") + part.computed().map(c -> "{" + expr(c, IF) + "}").orElse(""));
        }
        return String.join(".", parts);
    }

    private static String quote(String text) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\t' -> q.append("\\t");
                default -> q.append(c);
            }
        }
        return q.append('"').toString();
    }
}
