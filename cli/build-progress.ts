/**
 * How `tix build` and `tix realise` show a realisation on stderr, close to Nix 2.8:
 * what will be built or fetched, `building '…'...`, the builders' output as it comes,
 * `copying path '…' from '…'...`, and errors. On a terminal a status line
 * `[3/40 built, 2 running, 1 substituted]` stays at the bottom; elsewhere plain lines only.
 */

import type { Progress, RealiseEvent, RealisePlan, RealiseResult } from '../src/build/index.ts';
import { renderError, writeStderr } from './output.ts';

export interface ProgressOptions {
  /** Show builders' output (nix-build's default; `--quiet`/`-Q` turns it off). */
  readonly showLogs: boolean;
  /** Whether stderr is a terminal (status line, no plain progress). */
  readonly tty: boolean;
  readonly storeDir: string;
}

/** Render events until `done`; returns the result. */
export async function renderRealisation(events: AsyncIterable<RealiseEvent>, opts: ProgressOptions): Promise<RealiseResult> {
  const status = new StatusLine(opts.tty);
  for await (const ev of events) {
    switch (ev.type) {
      case 'plan':
        status.print(describePlan(ev.plan, opts.storeDir));
        break;
      case 'build-started':
        status.print(`building '${opts.storeDir}/${ev.drvPath.baseName}'...\n`);
        break;
      case 'build-log':
        if (opts.showLogs) status.print(ev.lines.map((l) => l + '\n').join(''));
        break;
      case 'substitute-started':
        status.print(`copying path '${opts.storeDir}/${ev.path.baseName}' from '${ev.from}'...\n`);
        break;
      case 'build-failed':
      case 'substitute-failed':
        status.print(renderError(ev.error));
        break;
      case 'warning':
        status.print(`warning: ${ev.message}\n`);
        break;
      case 'progress':
        status.update(ev.progress);
        break;
      case 'done':
        status.clear();
        return ev.result;
    }
  }
  status.clear();
  throw new Error('the realisation ended without a result');
}

/** Nix: "these 3 derivations will be built:" / "these 2 paths will be fetched (…):", paths sorted. */
export function describePlan(plan: RealisePlan, storeDir: string): string {
  let s = '';
  const n = plan.toBuild.length;
  if (n > 0) {
    s += n === 1 ? 'this derivation will be built:\n' : `these ${n} derivations will be built:\n`;
    for (const b of plan.toBuild.map((p) => p.baseName).sort()) s += `  ${storeDir}/${b}\n`;
  }
  const m = plan.toSubstitute.length;
  if (m > 0) {
    const sizes = `(${mib(plan.downloadSize)} MiB download, ${mib(plan.narSize)} MiB unpacked)`;
    s += m === 1 ? `this path will be fetched ${sizes}:\n` : `these ${m} paths will be fetched ${sizes}:\n`;
    for (const b of plan.toSubstitute.map((p) => p.baseName).sort()) s += `  ${storeDir}/${b}\n`;
  }
  return s;
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(2);
}

/** The status line: progress text, cleared before anything else is printed, redrawn after. */
class StatusLine {
  readonly #tty: boolean;
  #text = '';

  constructor(tty: boolean) {
    this.#tty = tty;
  }

  print(s: string): void {
    if (s === '') return;
    if (this.#tty && this.#text) writeStderr('\r\x1b[K' + s + this.#text);
    else writeStderr(s);
  }

  update(p: Progress): void {
    if (!this.#tty) return;
    this.#text = formatProgress(p);
    writeStderr('\r\x1b[K' + this.#text);
  }

  clear(): void {
    if (this.#tty && this.#text) writeStderr('\r\x1b[K');
    this.#text = '';
  }
}

/** `[3/40 built, 2 running, 1 substituted]` (plus failures when there are some). */
export function formatProgress(p: Progress): string {
  const failed = p.failed > 0 ? `, ${p.failed} failed` : '';
  return `[${p.built}/${p.total} built, ${p.building + p.substituting} running, ${p.substituted} substituted${failed}]`;
}
