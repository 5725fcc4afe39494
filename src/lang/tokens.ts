/**
 * Token kinds of the Nix lexer, numbered exactly as bison numbers the terminals of upstream's
 * grammar (libexpr/parser.y: `%token` declarations first, then the precedence-only tokens,
 * then the character literals in order of first use). That numbering is what orders the
 * "expecting A or B" lists of syntax errors, so the error oracle (syntax-oracle.ts) can use
 * these numbers directly. `TOKEN_NAMES` are bison's display names for them.
 */

export const T_EOF = 0;
export const T_ERROR = 1; // bison's `error` token; never produced by the lexer
export const T_UNDEF = 2; // "invalid token": any character the grammar does not use
export const T_ID = 3;
export const T_STR = 4;
export const T_IND_STR = 5;
export const T_INT = 6;
export const T_FLOAT = 7;
export const T_PATH = 8;
export const T_HPATH = 9;
export const T_SPATH = 10;
export const T_PATH_END = 11;
export const T_URI = 12;
export const T_IF = 13;
export const T_THEN = 14;
export const T_ELSE = 15;
export const T_ASSERT = 16;
export const T_WITH = 17;
export const T_LET = 18;
export const T_IN = 19;
export const T_REC = 20;
export const T_INHERIT = 21;
export const T_EQ = 22;
export const T_NEQ = 23;
export const T_LEQ = 24;
export const T_GEQ = 25;
export const T_UPDATE = 26;
export const T_CONCAT = 27;
export const T_AND = 28;
export const T_OR = 29;
export const T_IMPL = 30;
export const T_OR_KW = 31;
export const T_PIPE_FROM = 32;
export const T_PIPE_INTO = 33;
export const T_DOLLAR_CURLY = 34;
export const T_IND_STRING_OPEN = 35;
export const T_IND_STRING_CLOSE = 36;
export const T_ELLIPSIS = 37;
export const T_REPL_BINDINGS = 38;
export const T_LT = 39;
export const T_GT = 40;
export const T_NOT = 41; // precedence-only pseudo token of `!`
export const T_PLUS = 42;
export const T_MINUS = 43;
export const T_STAR = 44;
export const T_SLASH = 45;
export const T_QUESTION = 46;
export const T_NEGATE = 47; // precedence-only pseudo token of unary `-`
export const T_COLON = 48;
export const T_AT = 49;
export const T_SEMI = 50;
export const T_BANG = 51;
export const T_DOT = 52;
export const T_QUOTE = 53;
export const T_LPAREN = 54;
export const T_RPAREN = 55;
export const T_LBRACE = 56;
export const T_RBRACE = 57;
export const T_LBRACKET = 58;
export const T_RBRACKET = 59;
export const T_ASSIGN = 60;
export const T_COMMA = 61;
/** Number of terminals (bison's YYNTOKENS). */
export const N_TERMINALS = 62;
/** Not a bison token: the lexer failed here; the token's value is the NixSyntaxError to throw. */
export const T_LEX_ERROR = 255;

/** Bison's names of the terminals, as printed in "unexpected X, expecting Y" (byte strings: `…` is UTF-8). */
export const TOKEN_NAMES: readonly string[] = [
  'end of file', 'error', 'invalid token', 'identifier', 'string', 'indented string', 'integer',
  'floating-point literal', 'path', "'~/\xe2\x80\xa6' path", "'<\xe2\x80\xa6>' path", 'end of path', 'URI', "'if'", "'then'",
  "'else'", "'assert'", "'with'", "'let'", "'in'", "'rec'", "'inherit'", "'=='", "'!='", "'<='", "'>='",
  "'//'", "'++'", "'&&'", "'||'", "'->'", "'or'", "'<|'", "'|>'", "'${'", 'start of an indented string',
  'end of an indented string', "'...'", 'start of REPL bindings', "'<'", "'>'", 'NOT', "'+'", "'-'", "'*'",
  "'/'", "'?'", 'NEGATE', "':'", "'@'", "';'", "'!'", "'.'", "'\"'", "'('", "')'", "'{'", "'}'", "'['",
  "']'", "'='", "','",
];

/** Single characters that are grammar tokens (any other character lexes as T_UNDEF). */
export const CHAR_TOKENS: ReadonlyMap<number, number> = new Map([
  [0x3c, T_LT], [0x3e, T_GT], [0x2b, T_PLUS], [0x2d, T_MINUS], [0x2a, T_STAR], [0x2f, T_SLASH],
  [0x3f, T_QUESTION], [0x3a, T_COLON], [0x40, T_AT], [0x3b, T_SEMI], [0x21, T_BANG], [0x2e, T_DOT],
  [0x22, T_QUOTE], [0x28, T_LPAREN], [0x29, T_RPAREN], [0x7b, T_LBRACE], [0x7d, T_RBRACE],
  [0x5b, T_LBRACKET], [0x5d, T_RBRACKET], [0x3d, T_ASSIGN], [0x2c, T_COMMA],
]);

/** Keywords by spelling (`or` included: it is a keyword that the grammar also accepts as an attribute name). */
export const KEYWORDS: ReadonlyMap<string, number> = new Map([
  ['if', T_IF], ['then', T_THEN], ['else', T_ELSE], ['assert', T_ASSERT], ['with', T_WITH], ['let', T_LET],
  ['in', T_IN], ['rec', T_REC], ['inherit', T_INHERIT], ['or', T_OR_KW],
]);

/** Binary operators of `expr_op`: precedence (higher binds tighter) and associativity, from parser.y. */
export const ASSOC = { left: 0, right: 1, nonassoc: 2 } as const;
export type Assoc = (typeof ASSOC)[keyof typeof ASSOC];

export interface BinOpInfo {
  readonly prec: number;
  readonly assoc: Assoc;
}

/**
 * `%right IMPL, %left OR, %left AND, %nonassoc EQ NEQ, %nonassoc < > <= >=, %right UPDATE,
 * %left NOT, %left + -, %left * /, %right CONCAT, %nonassoc ?, %nonassoc NEGATE`.
 * Indexed by token kind; `undefined` for tokens that are not infix operators.
 */
export const PREC_NOT = 7;
export const PREC_NEGATE = 12;
export const PREC_HASATTR = 11;
export const BINOPS: readonly (BinOpInfo | undefined)[] = (() => {
  const t: (BinOpInfo | undefined)[] = new Array(N_TERMINALS).fill(undefined);
  const set = (k: number, prec: number, assoc: Assoc) => (t[k] = { prec, assoc });
  set(T_IMPL, 1, ASSOC.right);
  set(T_OR, 2, ASSOC.left);
  set(T_AND, 3, ASSOC.left);
  set(T_EQ, 4, ASSOC.nonassoc);
  set(T_NEQ, 4, ASSOC.nonassoc);
  set(T_LT, 5, ASSOC.nonassoc);
  set(T_GT, 5, ASSOC.nonassoc);
  set(T_LEQ, 5, ASSOC.nonassoc);
  set(T_GEQ, 5, ASSOC.nonassoc);
  set(T_UPDATE, 6, ASSOC.right);
  set(T_PLUS, 8, ASSOC.left);
  set(T_MINUS, 8, ASSOC.left);
  set(T_STAR, 9, ASSOC.left);
  set(T_SLASH, 9, ASSOC.left);
  set(T_CONCAT, 10, ASSOC.right);
  set(T_QUESTION, PREC_HASATTR, ASSOC.nonassoc);
  return t;
})();
