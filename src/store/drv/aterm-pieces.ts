/**
 * The small printing pieces of the ATerm form of `.drv` files (Nix's `printString`,
 * `printUnquotedString`, sorted maps and sets), shared by the printer (aterm-print.ts) and by
 * instantiate.ts, which prints the two forms of a new derivation from common pieces.
 */

import { compareStrings } from '../../util/bytes.ts';

/** A quoted, escaped string. Nix: `printString`. Byte-string checks happen once, on the whole text. */
export function quoted(s: string): string {
  // Most strings need no escaping: one regex scan decides, instead of five includes().
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  // Native replaceAll passes beat one regex with a callback per escaped character.
  if (s.includes('\\')) s = s.replaceAll('\\', '\\\\');
  if (s.includes('"')) s = s.replaceAll('"', '\\"');
  if (s.includes('\n')) s = s.replaceAll('\n', '\\n');
  if (s.includes('\r')) s = s.replaceAll('\r', '\\r');
  if (s.includes('\t')) s = s.replaceAll('\t', '\\t');
  return '"' + s + '"';
}

const NEEDS_ESCAPE = /["\\\n\r\t]/;

/** A quoted string printed without escaping. Nix: `printUnquotedString`. */
export function raw(s: string): string {
  return '"' + s + '"';
}

export function rawList(items: Iterable<string>): string {
  const parts: string[] = [];
  for (const s of items) parts.push(raw(s));
  return '[' + parts.join(',') + ']';
}

/** Sorted, duplicate-free copy of a list of byte strings (a C++ std::set). */
export function sortedSet(items: Iterable<string>): string[] {
  return [...new Set(items)].sort(compareStrings);
}

/** Names of a map, sorted by bytes: insertion sort for the few names derivations have (the engine's sort allocates). */
export function sortedKeys(m: ReadonlyMap<string, unknown>): string[] {
  const keys = Array.from(m.keys());
  if (keys.length > 16) return keys.sort(compareStrings);
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > k; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = k;
  }
  return keys;
}
