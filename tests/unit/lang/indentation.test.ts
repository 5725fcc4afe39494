/** Indented strings: upstream's stripIndentation rules, pinned through parse(). */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parse } from '../../../src/lang/parse.ts';
import { showExpr } from '../../../src/lang/print/parse-print.ts';
import { Source } from '../../../src/lang/source.ts';

const show = (text: string) => showExpr(parse(new Source({ kind: 'string' }, text), { basePath: '/' }).root);

/** [rule, source, upstream's --parse output] */
const cases: [string, string, string][] = [
  ['an empty string is ""', "''''", '""'],
  ['the smallest indentation is removed', "''\n    a\n      b\n    c\n''", '"a\\n  b\\nc\\n"'],
  ['a first line right after the quotes counts', "''  first\n    second''", '"first\\n  second"'],
  ['spaces and a newline after the opening quotes are not part of the text', "''   \n  x''", '"x"'],
  ['empty lines do not count towards the indentation', "''\n    a\n\n    b\n''", '"a\\n\\nb\\n"'],
  ['a whitespace-only last line is dropped', "''\n  a\n  ''", '"a\\n"'],
  ['a last line with text is kept with its indentation stripped', "''\n  a\n  b''", '"a\\nb"'],
  ['only spaces count as indentation, not tabs', "''\n\ta\n  b\n''", '"\\ta\\n  b\\n"'],
  ['an interpolation ends the leading whitespace of its line', "''\n  ${x}\n    a\n''", '(x + "\\n  a\\n")'],
  ['an escape ends the leading whitespace of its line', "''\n  ''\\n\n    a\n''", '("\\n" + "\\n  a\\n")'],
  ["''$ is a literal dollar and counts as text", "''\n  ''${x}\n  a''", '("$" + "{x}\\na")'],
  ["''' is two quotes, as a part of its own", "''a'''b''", '("a" + "\'\'" + "b")'],
  ['$$ before { is literal', "''$${x}''", '"$\\${x}"'],
  ['a lone interpolation is not wrapped', "''${x}''", '(x)'],
  ['leading indentation before a lone interpolation is dropped, not kept as ""', "''\n  ${x}''", '(x)'],
  ['text after the last interpolation on a whitespace-only line is dropped', "''\n  ${x}\n  ''", '(x + "\\n")'],
  ['CRs are kept, unlike in "strings"', "''a\r\nb''", '"a\\r\\nb"'],
];

describe('indented strings', () => {
  for (const [rule, text, want] of cases) {
    it(rule, () => assert.equal(show(text), want));
  }
});
