/**
 * Output placeholders: strings a derivation uses for its own output paths before they are
 * known (`builtins.placeholder`). Nix: `hashPlaceholder`, `/` + nix32(sha256("nix-output:" + name)).
 */

import { hashBytes } from '../hash/digest.ts';
import { encodeNix32 } from '../hash/nix32.ts';

export function hashPlaceholder(outputName: string): string {
  return '/' + encodeNix32(hashBytes('sha256', 'nix-output:' + outputName).bytes);
}
