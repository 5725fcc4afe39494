/**
 * Floats as C++'s `std::ostream << double` writes them with default flags (`%g`, 6
 * significant digits): `1.5`, `0.1`, `1e+20`, `1.23457e-07`, `inf`, `-nan`. That is how
 * Nix prints floats in `--parse` output and in values.
 */

export function formatFloat(v: number, precision = 6): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const p = precision === 0 ? 1 : precision;
  const [mant, expStr] = v.toExponential(p - 1).split('e') as [string, string];
  const x = Number(expStr);
  if (x < -4 || x >= p) {
    const m = stripZeros(mant);
    const sign = x < 0 ? '-' : '+';
    const ax = Math.abs(x);
    return `${m}e${sign}${ax < 10 ? '0' : ''}${ax}`;
  }
  return stripZeros(v.toFixed(p - 1 - x));
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  let e = s.length;
  while (s.charCodeAt(e - 1) === 48) e--;
  if (s.charCodeAt(e - 1) === 46) e--;
  return s.slice(0, e);
}
