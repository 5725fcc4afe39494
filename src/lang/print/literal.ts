/**
 * How Nix writes strings and identifiers back as source text (libexpr/print.cc
 * `printLiteralString`, `printIdentifier`, `isReservedKeyword`). Used by `--parse` printing,
 * by messages that quote attribute paths, and by value printers.
 */

const RESERVED = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit']);

/** Whether `s` is a keyword that must be quoted as an attribute name (`or` need not be). */
export function isReservedKeyword(s: string): boolean {
  return RESERVED.has(s);
}

/** `"…"` with `"`, `\`, newline, CR, tab and `${` escaped. */
export function printLiteralString(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 34) esc = '\\"';
    else if (c === 92) esc = '\\\\';
    else if (c === 10) esc = '\\n';
    else if (c === 13) esc = '\\r';
    else if (c === 9) esc = '\\t';
    else if (c === 36 && s.charCodeAt(i + 1) === 123) esc = '\\$';
    if (esc !== undefined) {
      out += s.slice(from, i) + esc;
      from = i + 1;
    }
  }
  return out + s.slice(from) + '"';
}

/** An attribute name or variable as Nix prints it: bare when it lexes as an identifier, else quoted. */
export function printIdentifier(s: string): string {
  if (s === '') return '""';
  if (RESERVED.has(s)) return `"${s}"`;
  const c = s.charCodeAt(0);
  if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95)) return printLiteralString(s);
  for (let i = 1; i < s.length; i++) {
    const d = s.charCodeAt(i);
    if (!((d >= 97 && d <= 122) || (d >= 65 && d <= 90) || (d >= 48 && d <= 57) || d === 95 || d === 39 || d === 45)) {
      return printLiteralString(s);
    }
  }
  return s;
}
