/**
 * Upstream's Nix grammar (libexpr/parser.y) as data, in its rule order, for the LALR(1)
 * construction in lalr.ts. Only the syntax matters here (no actions): the tables built from
 * it let the error oracle say exactly what bison says about a syntax error. Written from the
 * grammar's productions, which define the language; `%prec` as upstream declares it.
 */

import * as T from './tokens.ts';

export interface Rule {
  readonly lhs: number;
  readonly rhs: readonly number[];
  /** Precedence level of the rule (its `%prec` token or last terminal), 0 for none. */
  readonly prec: number;
}

export interface Grammar {
  readonly nTerminals: number;
  readonly nSymbols: number;
  /** Rule 0 is `$accept: start $end`. */
  readonly rules: readonly Rule[];
  readonly startSymbol: number;
  /** Precedence and associativity of terminals (0 = none), from the `%left/%right/%nonassoc` lines. */
  readonly tokenPrec: Int32Array;
  readonly tokenAssoc: Int8Array;
}

const TERMINALS: Record<string, number> = {
  $end: T.T_EOF, ID: T.T_ID, STR: T.T_STR, IND_STR: T.T_IND_STR, INT_LIT: T.T_INT, FLOAT_LIT: T.T_FLOAT,
  PATH: T.T_PATH, HPATH: T.T_HPATH, SPATH: T.T_SPATH, PATH_END: T.T_PATH_END, URI: T.T_URI, IF: T.T_IF,
  THEN: T.T_THEN, ELSE: T.T_ELSE, ASSERT: T.T_ASSERT, WITH: T.T_WITH, LET: T.T_LET, IN_KW: T.T_IN,
  REC: T.T_REC, INHERIT: T.T_INHERIT, EQ: T.T_EQ, NEQ: T.T_NEQ, LEQ: T.T_LEQ, GEQ: T.T_GEQ,
  UPDATE: T.T_UPDATE, CONCAT: T.T_CONCAT, AND: T.T_AND, OR: T.T_OR, IMPL: T.T_IMPL, OR_KW: T.T_OR_KW,
  PIPE_FROM: T.T_PIPE_FROM, PIPE_INTO: T.T_PIPE_INTO, DOLLAR_CURLY: T.T_DOLLAR_CURLY,
  IND_STRING_OPEN: T.T_IND_STRING_OPEN, IND_STRING_CLOSE: T.T_IND_STRING_CLOSE, ELLIPSIS: T.T_ELLIPSIS,
  REPL_BINDINGS: T.T_REPL_BINDINGS, NOT: T.T_NOT, NEGATE: T.T_NEGATE,
  "'<'": T.T_LT, "'>'": T.T_GT, "'+'": T.T_PLUS, "'-'": T.T_MINUS, "'*'": T.T_STAR, "'/'": T.T_SLASH,
  "'?'": T.T_QUESTION, "':'": T.T_COLON, "'@'": T.T_AT, "';'": T.T_SEMI, "'!'": T.T_BANG, "'.'": T.T_DOT,
  "'\"'": T.T_QUOTE, "'('": T.T_LPAREN, "')'": T.T_RPAREN, "'{'": T.T_LBRACE, "'}'": T.T_RBRACE,
  "'['": T.T_LBRACKET, "']'": T.T_RBRACKET, "'='": T.T_ASSIGN, "','": T.T_COMMA,
};

/** `%right IMPL` … `%nonassoc NEGATE`, lowest first. Associativity: 1 left, 2 right, 3 nonassoc. */
const PRECEDENCE: readonly [number, readonly string[]][] = [
  [2, ['IMPL']], [1, ['OR']], [1, ['AND']], [3, ['EQ', 'NEQ']], [3, ["'<'", "'>'", 'LEQ', 'GEQ']],
  [2, ['UPDATE']], [1, ['NOT']], [1, ["'+'", "'-'"]], [1, ["'*'", "'/'"]], [2, ['CONCAT']], [3, ["'?'"]],
  [3, ['NEGATE']],
];

/** The productions; alternatives separated by `|`, `%empty` for none, `%prec X` at the end. */
const RULES = `
start: expr | REPL_BINDINGS binds1
expr: expr_function
expr_function: ID ':' expr_function | formal_set ':' expr_function | formal_set '@' ID ':' expr_function
  | ID '@' formal_set ':' expr_function | ASSERT expr ';' expr_function | WITH expr ';' expr_function
  | LET binds IN_KW expr_function | expr_if
expr_if: IF expr THEN expr ELSE expr | expr_pipe_from | expr_pipe_into | expr_op
expr_pipe_from: expr_op PIPE_FROM expr_pipe_from | expr_op PIPE_FROM expr_op
expr_pipe_into: expr_pipe_into PIPE_INTO expr_op | expr_op PIPE_INTO expr_op
expr_op: '!' expr_op %prec NOT | '-' expr_op %prec NEGATE | expr_op EQ expr_op | expr_op NEQ expr_op
  | expr_op '<' expr_op | expr_op LEQ expr_op | expr_op '>' expr_op | expr_op GEQ expr_op
  | expr_op AND expr_op | expr_op OR expr_op | expr_op IMPL expr_op | expr_op UPDATE expr_op
  | expr_op '?' attrpath | expr_op '+' expr_op | expr_op '-' expr_op | expr_op '*' expr_op
  | expr_op '/' expr_op | expr_op CONCAT expr_op | expr_app
expr_app: expr_app expr_select | expr_select
expr_select: expr_simple '.' attrpath | expr_simple '.' attrpath OR_KW expr_select | expr_simple OR_KW
  | expr_simple
expr_simple: ID | INT_LIT | FLOAT_LIT | '"' string_parts '"' | IND_STRING_OPEN ind_string_parts IND_STRING_CLOSE
  | path_start PATH_END | path_start string_parts_interpolated PATH_END | SPATH | URI | '(' expr ')'
  | LET '{' binds '}' | REC '{' binds '}' | '{' binds1 '}' | '{' '}' | '[' list ']'
string_parts: STR | string_parts_interpolated | %empty
string_parts_interpolated: string_parts_interpolated STR | string_parts_interpolated DOLLAR_CURLY expr '}'
  | DOLLAR_CURLY expr '}' | STR DOLLAR_CURLY expr '}'
path_start: PATH | HPATH
ind_string_parts: ind_string_parts IND_STR | ind_string_parts DOLLAR_CURLY expr '}' | %empty
binds: binds1 | %empty
binds1: binds1 attrpath '=' expr ';' | binds INHERIT attrs ';' | binds INHERIT '(' expr ')' attrs ';'
  | attrpath '=' expr ';'
attrs: attrs attr | attrs string_attr | %empty
attrpath: attrpath '.' attr | attrpath '.' string_attr | attr | string_attr
attr: ID | OR_KW
string_attr: '"' string_parts '"' | DOLLAR_CURLY expr '}'
list: list expr_select | %empty
formal_set: '{' formals ',' ELLIPSIS '}' | '{' ELLIPSIS '}' | '{' formals ',' '}' | '{' formals '}' | '{' '}'
formals: formals ',' formal | formal
formal: ID | ID '?' expr
`;

let cached: Grammar | undefined;

export function nixGrammar(): Grammar {
  return (cached ??= build());
}

function build(): Grammar {
  const nt = new Map<string, number>();
  const defs: [string, string][] = [];
  // Join continuation lines, then split `lhs: alt | alt`.
  for (const line of RULES.trim().replace(/\n\s+\|/g, ' |').split('\n')) {
    const colon = line.indexOf(':');
    const lhs = line.slice(0, colon).trim();
    if (!nt.has(lhs)) nt.set(lhs, T.N_TERMINALS + 1 + nt.size); // N_TERMINALS is $accept
    for (const alt of line.slice(colon + 1).split(' | ')) defs.push([lhs, alt.trim()]);
  }
  const tokenPrec = new Int32Array(T.N_TERMINALS);
  const tokenAssoc = new Int8Array(T.N_TERMINALS);
  PRECEDENCE.forEach(([assoc, names], level) => {
    for (const n of names) {
      tokenPrec[TERMINALS[n]!] = level + 1;
      tokenAssoc[TERMINALS[n]!] = assoc;
    }
  });
  const symbol = (s: string): number => {
    const t = TERMINALS[s];
    if (t !== undefined) return t;
    const n = nt.get(s);
    if (n === undefined) throw new Error(`grammar: unknown symbol ${s}`);
    return n;
  };
  const start = nt.get('start')!;
  const rules: Rule[] = [{ lhs: T.N_TERMINALS, rhs: [start, T.T_EOF], prec: 0 }];
  for (const [lhs, alt] of defs) {
    let words = alt === '%empty' ? [] : alt.split(/\s+/);
    let prec = 0;
    const p = words.indexOf('%prec');
    if (p >= 0) {
      prec = tokenPrec[symbol(words[p + 1]!)]!;
      words = words.slice(0, p);
    }
    const rhs = words.map(symbol);
    if (p < 0) {
      // bison: a rule takes the precedence of its last terminal (0 if that has none).
      for (let k = rhs.length - 1; k >= 0; k--) {
        if (rhs[k]! < T.N_TERMINALS) {
          prec = tokenPrec[rhs[k]!]!;
          break;
        }
      }
    }
    rules.push({ lhs: nt.get(lhs)!, rhs, prec });
  }
  return { nTerminals: T.N_TERMINALS, nSymbols: T.N_TERMINALS + 1 + nt.size, rules, startSymbol: T.N_TERMINALS, tokenPrec, tokenAssoc };
}
