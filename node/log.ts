/**
 * The daemon's logger: one line per event on stderr, `<time> <component> <message>`.
 * Debug lines appear only when TIX_DEBUG is set; the sink is injectable for tests.
 */

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
  /** A logger for a sub-component (`node:inventory`). */
  child(name: string): Logger;
}

export type LogSink = (line: string) => void;

const stderrSink: LogSink = (line) => process.stderr.write(line + '\n');

export function createLogger(name: string, sink: LogSink = stderrSink, debug = Boolean(process.env.TIX_DEBUG)): Logger {
  const line = (level: string, msg: string): void => sink(`${new Date().toISOString()} ${level} ${name}: ${msg}`);
  return {
    info: (m) => line('info', m),
    warn: (m) => line('warn', m),
    error: (m) => line('error', m),
    debug: (m) => { if (debug) line('debug', m); },
    child: (n) => createLogger(`${name}:${n}`, sink, debug),
  };
}

/** A logger that drops everything (benchmarks with many nodes in one process). */
export const silentLogger: Logger = {
  info() {}, warn() {}, error() {}, debug() {},
  child: () => silentLogger,
};

/** Message of an error with its location fields, as cli/output.ts renders them. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const x = e as { whence?: string; line?: number; offset?: number };
  const where = [x.whence, typeof x.line === 'number' ? `line ${x.line}` : undefined].filter(Boolean);
  return where.length ? `${e.message} (${where.join(', ')})` : e.message;
}
