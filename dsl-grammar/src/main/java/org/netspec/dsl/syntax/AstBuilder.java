package org.netspec.dsl.syntax;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.diag.Diagnostics;
import org.netspec.dsl.diag.Pos;
import org.netspec.dsl.parser.NetSpecLexer;
import org.netspec.dsl.parser.NetSpecParser;
import org.netspec.dsl.parser.NetSpecParser.*;

/** Turns ANTLR's parse tree into immutable syntax-tree records; nothing past here sees ANTLR types. */
final class AstBuilder {
    /** Operator chains and unary prefixes also nest; bound them like brackets. */
    private static final int MAX_DEPTH = 1000;

    private final String file;
    private final CommonTokenStream tokens;
    private final Diagnostics diagnostics;
    private int depth;

    AstBuilder(String file, CommonTokenStream tokens, Diagnostics diagnostics) {
        this.file = file;
        this.tokens = tokens;
        this.diagnostics = diagnostics;
    }

    SpecFile file(FileContext ctx) {
        Optional<String> pkg = Optional.ofNullable(ctx.packageDecl())
                .map(p -> String.join(".", p.qualifiedName().ident().stream().map(ParserRuleContext::getText).toList()));
        List<SpecFile.Import> imports = new ArrayList<>();
        for (ImportDeclContext imp : ctx.importDecl()) {
            imports.add(new SpecFile.Import(pos(imp), unquote(imp.STRING().getSymbol())));
        }
        List<Definition> definitions = new ArrayList<>();
        for (DefinitionContext def : ctx.definition()) {
            definitions.add(definition(def));
        }
        return new SpecFile(new Pos(file, 1, 1, 1), file, pkg, imports, definitions);
    }

    Expr expression(ExprContext ctx) {
        return expr(ctx);
    }

    private Definition definition(DefinitionContext ctx) {
        Optional<String> doc = docBefore(ctx.getStart());
        if (ctx instanceof BlockDefContext b) {
            return new Definition.Block(pos(b.name), b.name.getText(), params(b.paramList()), body(b.body()), doc);
        }
        if (ctx instanceof NetworkDefContext n) {
            return new Definition.Network(pos(n.name), n.name.getText(), params(n.paramList()),
                    Optional.ofNullable(n.inputDecl()).map(this::size), body(n.body()), doc);
        }
        ModelDefContext m = (ModelDefContext) ctx;
        return new Definition.Model(pos(m.name), m.name.getText(), expr(m.expr()),
                Optional.ofNullable(m.inputDecl()).map(this::size), doc);
    }

    private Expr.SizeLit size(InputDeclContext ctx) {
        return sizeLiteral(ctx.SIZE().getSymbol());
    }

    private List<Definition.Param> params(ParamListContext ctx) {
        List<Definition.Param> params = new ArrayList<>();
        if (ctx != null) {
            for (ParamContext p : ctx.param()) {
                TypeRefContext t = p.typeRef();
                params.add(new Definition.Param(pos(p.name), p.name.getText(),
                        new Definition.TypeRef(pos(t), t.ident().getText(), t.LBRACK() != null),
                        Optional.ofNullable(p.expr()).map(this::expr)));
            }
        }
        return params;
    }

    private List<Stmt> body(BodyContext ctx) {
        List<Stmt> stmts = new ArrayList<>();
        for (StatementContext s : ctx.statement()) {
            stmts.add(statement(s));
        }
        return stmts;
    }

    private Stmt statement(StatementContext ctx) {
        if (ctx instanceof AssignStmtContext a) {
            return new Stmt.Assign(pos(a.name), a.name.getText(), expr(a.expr()));
        }
        if (ctx instanceof ForIndexedStmtContext f) {
            return new Stmt.For(pos(f), Optional.of(f.index.getText()), f.item.getText(), expr(f.expr()), body(f.body()));
        }
        if (ctx instanceof ForStmtContext f) {
            return new Stmt.For(pos(f), Optional.empty(), f.item.getText(), expr(f.expr()), body(f.body()));
        }
        ReturnStmtContext r = (ReturnStmtContext) ctx;
        return new Stmt.Return(pos(r), expr(r.expr()));
    }

    private Expr expr(ExprContext ctx) {
        if (++depth > MAX_DEPTH) {
            diagnostics.error(Code.NS006, pos(ctx), "expression nested deeper than " + MAX_DEPTH + " levels");
            depth = Integer.MIN_VALUE / 2; // report once, then unwind quickly
        }
        try {
            return exprInner(ctx);
        } finally {
            depth--;
        }
    }

    private Expr exprInner(ExprContext ctx) {
        if (ctx instanceof IfExprContext e) {
            return new Expr.If(pos(e), expr(e.cond), expr(e.then), expr(e.otherwise));
        }
        if (ctx instanceof PipeExprContext e) {
            Optional<Expr.Label> label = Optional.ofNullable(e.label()).map(this::label);
            return new Expr.Pipe(pos(e.ARROW().getSymbol()), expr(e.expr()), label, postfix(e.postfix()));
        }
        if (ctx instanceof BinaryExprContext e) {
            return new Expr.Binary(pos(e.op), BinaryOp.of(e.op.getText()), expr(e.expr(0)), expr(e.expr(1)));
        }
        if (ctx instanceof UnaryExprContext e) {
            return new Expr.Unary(pos(e.op), e.op.getText(), expr(e.expr()));
        }
        return postfix(((PostfixExprContext) ctx).postfix());
    }

    private Expr postfix(PostfixContext ctx) {
        if (ctx instanceof CallPostfixContext c) {
            List<Expr.Arg> args = new ArrayList<>();
            if (c.argList() != null) {
                for (ArgContext a : c.argList().arg()) {
                    args.add(new Expr.Arg(pos(a), Optional.ofNullable(a.name).map(ParserRuleContext::getText), expr(a.expr())));
                }
            }
            return new Expr.Call(pos(c.postfix()), postfix(c.postfix()), args);
        }
        if (ctx instanceof IndexPostfixContext i) {
            return new Expr.Index(pos(i.LBRACK().getSymbol()), postfix(i.postfix()), expr(i.expr()));
        }
        return primary(((PrimaryPostfixContext) ctx).primary());
    }

    private Expr primary(PrimaryContext ctx) {
        Pos pos = pos(ctx);
        if (ctx instanceof IntLitContext) {
            return new Expr.IntLit(pos, parseInt(ctx.getStart()));
        }
        if (ctx instanceof FloatLitContext) {
            double value = Double.parseDouble(ctx.getText());
            if (Double.isInfinite(value)) {
                diagnostics.error(Code.NS012, pos, "number " + ctx.getText() + " is too large");
            }
            return new Expr.FloatLit(pos, value);
        }
        if (ctx instanceof SizeLitContext) {
            return sizeLiteral(ctx.getStart());
        }
        if (ctx instanceof StringLitContext) {
            return new Expr.StringLit(pos, unquote(ctx.getStart()));
        }
        if (ctx instanceof BoolLitContext) {
            return new Expr.BoolLit(pos, ctx.getStart().getType() == NetSpecLexer.TRUE);
        }
        if (ctx instanceof NameRefContext) {
            return new Expr.Name(pos, ctx.getText());
        }
        if (ctx instanceof ListLitContext l) {
            return new Expr.ListLit(pos, l.expr().stream().map(this::expr).toList());
        }
        return expr(((ParenExprContext) ctx).expr());
    }

    private Expr.Label label(LabelContext ctx) {
        List<Expr.LabelPart> parts = new ArrayList<>();
        for (LabelPartContext p : ctx.labelPart()) {
            Optional<String> text = p.ident() != null ? Optional.of(p.ident().getText())
                    : p.INT() != null ? Optional.of(p.INT().getText()) : Optional.empty();
            parts.add(new Expr.LabelPart(pos(p), text, Optional.ofNullable(p.expr()).map(this::expr)));
        }
        return new Expr.Label(pos(ctx), parts);
    }

    private Expr.SizeLit sizeLiteral(Token token) {
        List<Integer> dims = new ArrayList<>();
        for (String part : token.getText().split("x")) {
            long value = parseDigits(part, token);
            if (value == 0) {
                diagnostics.error(Code.NS012, pos(token), "size " + token.getText() + " has a zero dimension");
            }
            dims.add((int) Math.min(value, Integer.MAX_VALUE));
        }
        return new Expr.SizeLit(pos(token), dims);
    }

    private long parseInt(Token token) {
        return parseDigits(token.getText(), token);
    }

    private long parseDigits(String digits, Token token) {
        try {
            long value = Long.parseLong(digits);
            if (value > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            diagnostics.error(Code.NS012, pos(token), "integer " + abbreviate(digits) + " is too large (limit "
                    + Integer.MAX_VALUE + ")");
            return 1;
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 24 ? text.substring(0, 24) + "..." : text;
    }

    private Optional<String> docBefore(Token start) {
        List<Token> hidden = tokens.getHiddenTokensToLeft(start.getTokenIndex(), NetSpecLexer.DOCS);
        if (hidden == null || hidden.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(cleanDoc(hidden.get(hidden.size() - 1).getText()));
    }

    /** Strips the comment markers and the leading {@code *} of each line. */
    static String cleanDoc(String raw) {
        String inner = raw.substring(3, raw.length() - 2);
        List<String> lines = new ArrayList<>();
        for (String line : inner.split("\r?\n", -1)) {
            String t = line.strip();
            if (t.startsWith("*")) {
                t = t.substring(1).strip();
            }
            lines.add(t);
        }
        while (!lines.isEmpty() && lines.get(0).isEmpty()) {
            lines.remove(0);
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return String.join("\n", lines);
    }

    private static String unquote(Token token) {
        String text = token.getText();
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < text.length() - 1; i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length() - 1) {
                char n = text.charAt(++i);
                out.append(switch (n) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> n;
                });
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private Pos pos(ParserRuleContext ctx) {
        return SpecParser.pos(file, ctx.getStart());
    }

    private Pos pos(Token token) {
        return SpecParser.pos(file, token);
    }
}
