/*
 * Syntax of the .net language. Labelled alternatives give the syntax-tree builder one method
 * per form; there are no embedded actions.
 */
parser grammar NetSpecParser;

options { tokenVocab = NetSpecLexer; }

file        : packageDecl? importDecl* definition* EOF ;
/** A model written on the command line: `ResNet(block: BasicBlock, stages: [2, 2, 2, 2])`. */
standaloneExpr : expr EOF ;
packageDecl : PACKAGE qualifiedName SEMI ;
qualifiedName : ident (DOT ident)* ;
importDecl  : IMPORT STRING SEMI ;

definition
    : BLOCK name=ident LPAREN paramList? RPAREN body                 # blockDef
    | NETWORK name=ident LPAREN paramList? RPAREN inputDecl? body    # networkDef
    | MODEL name=ident ASSIGN expr inputDecl? SEMI                   # modelDef
    ;

inputDecl : INPUT SIZE ;
paramList : param (COMMA param)* COMMA? ;
param     : name=ident COLON typeRef (ASSIGN expr)? ;
typeRef   : ident (LBRACK RBRACK)? ;

body : LBRACE statement* RBRACE ;

statement
    : name=ident ASSIGN expr SEMI?                                  # assignStmt
    | FOR LPAREN index=ident COMMA item=ident RPAREN IN expr body   # forIndexedStmt
    | FOR item=ident IN expr body                                   # forStmt
    | RETURN expr SEMI?                                             # returnStmt
    ;

// ANTLR gives the first alternative the highest precedence. `->` and `if` bind loosest, so
// `if (c) x -> a -> b else x` and `a + b -> relu` read as they look.
expr
    : <assoc=right> expr op=CARET expr                              # binaryExpr
    | op=(MINUS | NOT) expr                                         # unaryExpr
    | expr op=(STAR | SLASH | PERCENT) expr                         # binaryExpr
    | expr op=(PLUS | MINUS) expr                                   # binaryExpr
    | expr op=(EQ | NE | LT | LE | GT | GE) expr                    # binaryExpr
    | expr op=AND expr                                              # binaryExpr
    | expr op=OR expr                                               # binaryExpr
    | expr ARROW (label COLON)? postfix                             # pipeExpr
    | IF LPAREN cond=expr RPAREN then=expr ELSE otherwise=expr      # ifExpr
    | postfix                                                       # postfixExpr
    ;

postfix
    : primary                                   # primaryPostfix
    | postfix LPAREN argList? RPAREN            # callPostfix
    | postfix LBRACK expr RBRACK                # indexPostfix
    ;

primary
    : INT                                       # intLit
    | FLOAT                                     # floatLit
    | SIZE                                      # sizeLit
    | STRING                                    # stringLit
    | (TRUE | FALSE)                            # boolLit
    | ident                                     # nameRef
    | LBRACK (expr (COMMA expr)* COMMA?)? RBRACK   # listLit
    | LPAREN expr RPAREN                        # parenExpr
    ;

argList : arg (COMMA arg)* COMMA? ;
arg     : (name=ident COLON)? expr ;

// Layer names: `conv1`, `downsample.0`, `layer{i + 1}.{j}`.
label     : labelPart (DOT labelPart)* ;
labelPart : ident (LBRACE expr RBRACE)? | INT | LBRACE expr RBRACE ;

// Soft keywords that may also name things (`block: block` is a parameter of type block).
ident : ID | BLOCK | NETWORK | MODEL | INPUT ;
