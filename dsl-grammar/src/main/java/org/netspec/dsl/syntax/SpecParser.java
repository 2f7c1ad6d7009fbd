package org.netspec.dsl.syntax;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.InputMismatchException;
import org.antlr.v4.runtime.NoViableAltException;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.Vocabulary;
import org.antlr.v4.runtime.misc.IntervalSet;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.diag.Diagnostics;
import org.netspec.dsl.diag.Pos;
import org.netspec.dsl.diag.SourceText;
import org.netspec.dsl.parser.NetSpecLexer;
import org.netspec.dsl.parser.NetSpecParser;

/**
 * Text to syntax tree. Never throws on bad input: every problem becomes a diagnostic and the
 * result is empty when the file has lexical or syntax errors (the stage's error gate).
 */
public final class SpecParser {
    /** Specs are small; anything bigger is refused before lexing so it cannot exhaust memory. */
    public static final int MAX_BYTES = 1 << 20;
    /** Deeper nesting is refused before parsing: recursive descent would overflow the stack. */
    public static final int MAX_NESTING = 200;

    private SpecParser() {}

    public static Optional<SpecFile> parse(SourceText source, Diagnostics diagnostics) {
        int before = diagnostics.errorCount();
        Optional<SpecFile> file = run(source, diagnostics, NetSpecParser::file, AstBuilder::file);
        if (file.isPresent() && file.get().definitions().isEmpty() && diagnostics.errorCount() == before) {
            diagnostics.error(Code.NS011, Pos.of(source.name(), 1, 1), "file defines no block, network or model");
            return Optional.empty();
        }
        return file;
    }

    /** Parses one expression, such as a model call typed on the command line. */
    public static Optional<Expr> parseExpression(SourceText source, Diagnostics diagnostics) {
        return run(source, diagnostics, NetSpecParser::standaloneExpr, (builder, tree) -> builder.expression(tree.expr()));
    }

    /** Builds the syntax tree from a parse tree that has no syntax errors. */
    private interface Builder<C, T> {
        T build(AstBuilder builder, C tree);
    }

    private static <C extends ParserRuleContext, T> Optional<T> run(SourceText source, Diagnostics diagnostics,
                                                                    Function<NetSpecParser, C> rule, Builder<C, T> builder) {
        diagnostics.addSource(source);
        String name = source.name();
        String text = source.text();
        if (text.length() > MAX_BYTES) {
            diagnostics.error(Code.NS004, Pos.of(name, 1, 1), "file has " + text.length()
                    + " characters; specs are limited to " + MAX_BYTES);
            return Optional.empty();
        }
        int nul = text.indexOf('\0');
        if (nul >= 0) {
            diagnostics.error(Code.NS005, position(name, text, nul), "file contains NUL bytes; is it a binary file?");
            return Optional.empty();
        }
        int errorsBefore = diagnostics.errorCount();

        NetSpecLexer lexer = new NetSpecLexer(CharStreams.fromString(text, name));
        lexer.removeErrorListeners();
        CommonTokenStream tokens = new CommonTokenStream(lexer);
        tokens.fill();
        int depth = 0;
        for (Token token : tokens.getTokens()) {
            switch (token.getType()) {
                case NetSpecLexer.BAD_CHAR -> diagnostics.error(Code.NS001, pos(name, token),
                        "unexpected character " + describeChar(token.getText()));
                case NetSpecLexer.UNTERMINATED_COMMENT -> diagnostics.error(Code.NS002, Pos.of(name,
                        token.getLine(), token.getCharPositionInLine() + 1), "unterminated comment: `/*` has no `*/`");
                case NetSpecLexer.UNTERMINATED_STRING -> diagnostics.error(Code.NS003, pos(name, token),
                        "unterminated string: missing closing `\"`");
                case NetSpecLexer.LPAREN, NetSpecLexer.LBRACK, NetSpecLexer.LBRACE -> {
                    if (++depth > MAX_NESTING) {
                        diagnostics.error(Code.NS006, pos(name, token),
                                "nesting deeper than " + MAX_NESTING + " levels");
                        return Optional.empty();
                    }
                }
                case NetSpecLexer.RPAREN, NetSpecLexer.RBRACK, NetSpecLexer.RBRACE -> depth = Math.max(0, depth - 1);
                default -> { }
            }
        }
        if (diagnostics.errorCount() > errorsBefore) {
            return Optional.empty();
        }

        NetSpecParser parser = new NetSpecParser(tokens);
        parser.removeErrorListeners();
        parser.addErrorListener(new SyntaxErrors(name, diagnostics));
        C tree;
        try {
            tree = rule.apply(parser);
        } catch (StackOverflowError e) {
            diagnostics.error(Code.NS006, Pos.of(name, 1, 1), "expression nested too deeply to parse");
            return Optional.empty();
        }
        if (diagnostics.errorCount() > errorsBefore) {
            return Optional.empty();
        }
        try {
            T result = builder.build(new AstBuilder(name, tokens, diagnostics), tree);
            return diagnostics.errorCount() > errorsBefore ? Optional.empty() : Optional.of(result);
        } catch (StackOverflowError e) {
            diagnostics.error(Code.NS006, Pos.of(name, 1, 1), "expression nested too deeply");
            return Optional.empty();
        }
    }

    static Pos pos(String file, Token token) {
        int length = token.getType() == Token.EOF ? 1 : Math.max(1, token.getStopIndex() - token.getStartIndex() + 1);
        return new Pos(file, token.getLine(), token.getCharPositionInLine() + 1, length);
    }

    private static Pos position(String file, String text, int offset) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return Pos.of(file, line, offset - lineStart + 1);
    }

    private static String describeChar(String text) {
        int cp = text.codePointAt(0);
        if (cp >= 0x21 && cp < 0x7f) {
            return "'" + text + "'";
        }
        return String.format("U+%04X", cp);
    }

    /** Rewrites ANTLR's messages into plain words with friendly token names. */
    private static final class SyntaxErrors extends BaseErrorListener {
        private final String file;
        private final Diagnostics diagnostics;

        SyntaxErrors(String file, Diagnostics diagnostics) {
            this.file = file;
            this.diagnostics = diagnostics;
        }

        @Override
        public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line, int column,
                                String antlrMessage, RecognitionException e) {
            Parser parser = (Parser) recognizer;
            Token offending = (Token) offendingSymbol;
            IntervalSet expected = e != null && !(e instanceof NoViableAltException) ? e.getExpectedTokens()
                    : e == null ? parser.getExpectedTokens() : null;
            String message;
            if (antlrMessage.startsWith("missing ")) {
                message = "missing " + expectedList(parser.getVocabulary(), expected) + " before " + describe(offending);
            } else {
                message = "unexpected " + describe(offending);
                String wanted = expectedList(parser.getVocabulary(), expected);
                if (!wanted.isEmpty() && !(e instanceof InputMismatchException && expected.size() > 8)) {
                    message += "; expected " + wanted;
                }
            }
            diagnostics.error(Code.NS010, pos(file, offending), message);
        }

        private static String describe(Token token) {
            if (token.getType() == Token.EOF) {
                return "end of file";
            }
            String text = token.getText();
            if (text.length() > 20) {
                text = text.substring(0, 20) + "...";
            }
            return "'" + text + "'";
        }

        private static String expectedList(Vocabulary vocabulary, IntervalSet expected) {
            if (expected == null || expected.isNil() || expected.size() > 8) {
                return "";
            }
            List<String> names = new ArrayList<>(new LinkedHashSet<>(
                    expected.toList().stream().map(type -> friendly(vocabulary, type)).toList()));
            if (names.size() == 1) {
                return names.get(0);
            }
            return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
        }

        private static String friendly(Vocabulary vocabulary, int type) {
            return switch (type) {
                case Token.EOF -> "end of file";
                case NetSpecLexer.ID -> "a name";
                case NetSpecLexer.INT -> "an integer";
                case NetSpecLexer.FLOAT -> "a number";
                case NetSpecLexer.SIZE -> "a size such as 3x3";
                case NetSpecLexer.STRING -> "a string";
                default -> vocabulary.getLiteralName(type) != null ? vocabulary.getLiteralName(type)
                        : vocabulary.getDisplayName(type);
            };
        }
    }
}
