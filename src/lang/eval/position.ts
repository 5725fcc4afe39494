/**
 * Positions as Nix values (upstream `EvalState::mkPos`): `{ file, line, column }` for a
 * position in a file — line and column computed lazily — and null for positions in
 * `-E` strings, stdin, or none at all.
 */

import type { Pos } from '../source.ts';
import { AttrsBuilder } from '../value/attrs.ts';
import { Thunk, type Value } from '../value/value.ts';

export function mkPosValue(pos: Pos | undefined): Value {
  if (pos === undefined) return null;
  const path = pos.source.path;
  if (path === undefined) return null;
  const lc = () => pos.source.lineCol(pos.offset);
  return new AttrsBuilder()
    .add('file', path)
    .add('line', new Thunk(() => lc().line))
    .add('column', new Thunk(() => lc().column))
    .finish();
}
