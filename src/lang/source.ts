/**
 * A piece of Nix source and the mapping from byte offsets to lines and columns, computed
 * lazily (only error messages and `unsafeGetAttrPos` need it).
 *
 * `text` is the latin1 ("binary") decoding of the source bytes: one JS char per byte, so
 * offsets and columns are byte counts, as in Nix.
 */

/** Where a source came from, printed as Nix prints it. */
export type Origin =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'string' }
  | { readonly kind: 'stdin' };

export interface LineCol {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, in bytes. */
  readonly column: number;
}

export class Source {
  readonly origin: Origin;
  readonly text: string;
  #lineStarts: number[] | undefined;

  constructor(origin: Origin, text: string) {
    this.origin = origin;
    this.text = text;
  }

  /** The file path for file sources, else undefined. */
  get path(): string | undefined {
    return this.origin.kind === 'file' ? this.origin.path : undefined;
  }

  /**
   * `«string»`, `«stdin»` or the file path, as in Nix's messages — as a byte string (the
   * guillemets are their UTF-8 bytes), like everything derived from source text: messages
   * are byte strings, written out with the `latin1` encoding.
   */
  get displayName(): string {
    return this.origin.kind === 'file' ? this.origin.path : this.origin.kind === 'string' ? '\xc2\xabstring\xc2\xbb' : '\xc2\xabstdin\xc2\xbb';
  }

  lineCol(offset: number): LineCol {
    const starts = (this.#lineStarts ??= computeLineStarts(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  /** The text of 1-based line `line`, without its line break. */
  lineText(line: number): string {
    const starts = (this.#lineStarts ??= computeLineStarts(this.text));
    const s = starts[line - 1];
    if (s === undefined) return '';
    let e = s;
    const text = this.text;
    while (e < text.length && text.charCodeAt(e) !== 10 && text.charCodeAt(e) !== 13) e++;
    return text.slice(s, e);
  }

  /** Number of lines (a text ending in a line break has an empty last line). */
  get lineCount(): number {
    return (this.#lineStarts ??= computeLineStarts(this.text)).length;
  }
}

/**
 * Line starts as Nix counts lines (Pos::LinesIterator): `\r\n`, a lone `\r` and `\n` each end
 * a line, so positions in files with old Mac or Windows line endings match Nix's.
 */
function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** A position: a source and a byte offset in it. */
export interface Pos {
  readonly source: Source;
  readonly offset: number;
}

/** `FILE:LINE:COL` as Nix prints a position. */
export function formatPos(pos: Pos): string {
  const { line, column } = pos.source.lineCol(pos.offset);
  return `${pos.source.displayName}:${line}:${column}`;
}
