/*
 * Tokens of the .net language. No actions: everything semantic happens in the checker.
 * Doc comments go to their own channel so the syntax-tree builder can attach them to the
 * definition that follows; unknown characters go to the ERRORS channel and are reported as
 * lexical errors without confusing the parser.
 */
lexer grammar NetSpecLexer;

channels { DOCS, ERRORS }

PACKAGE : 'package';
IMPORT  : 'import';
BLOCK   : 'block';
NETWORK : 'network';
MODEL   : 'model';
INPUT   : 'input';
RETURN  : 'return';
FOR     : 'for';
IN      : 'in';
IF      : 'if';
ELSE    : 'else';
TRUE    : 'true';
FALSE   : 'false';

ARROW   : '->';
LPAREN  : '(';
RPAREN  : ')';
LBRACE  : '{';
RBRACE  : '}';
LBRACK  : '[';
RBRACK  : ']';
COMMA   : ',';
COLON   : ':';
SEMI    : ';';
DOT     : '.';
EQ      : '==';
NE      : '!=';
LE      : '<=';
GE      : '>=';
LT      : '<';
GT      : '>';
AND     : '&&';
OR      : '||';
NOT     : '!';
ASSIGN  : '=';
PLUS    : '+';
MINUS   : '-';
STAR    : '*';
SLASH   : '/';
PERCENT : '%';
CARET   : '^';

/** 3x3, 3x224x224: sizes are one token, so `3x3` never reads as `3 x3`. */
SIZE    : DIGITS ('x' DIGITS)+;
FLOAT   : DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT;
INT     : DIGITS;
STRING  : '"' (~["\\\r\n] | '\\' ["\\nt])* '"';
ID      : [a-zA-Z_] [a-zA-Z_0-9]*;

DOC_COMMENT   : '/**' ~'/' .*? '*/' -> channel(DOCS);
BLOCK_COMMENT : '/*' .*? '*/' -> skip;
LINE_COMMENT  : '//' ~[\r\n]* -> skip;
WS            : [ \t\r\n\f]+ -> skip;

// Error tokens: kept off the parser's channel, reported by the syntax-tree builder.
// A comment body that never contains `*/`, running to the end of the file.
UNTERMINATED_COMMENT : '/*' (~'*' | '*'+ ~[*/])* '*'* EOF -> channel(ERRORS);
UNTERMINATED_STRING  : '"' (~["\\\r\n] | '\\' .)* -> channel(ERRORS);
BAD_CHAR             : . -> channel(ERRORS);

fragment DIGITS   : [0-9]+;
fragment EXPONENT : [eE] [+-]? DIGITS;
