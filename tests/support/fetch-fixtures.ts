/**
 * Inputs for fetcher tests, made by the test: a directory tree packed as tarballs in each
 * compression, single files, and git repositories with fixed author dates (so commits, and
 * Nix's and tix's results, are reproducible).
 */

import { spawnSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

const STAMP = new Date('2024-01-02T03:04:05Z');

export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.org',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.org',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** `DIR/pkg/…`: a small tree (an executable, a symlink, a subdirectory) with one mtime. */
export function makeTree(dir: string, top = 'pkg'): string {
  const t = join(dir, top);
  mkdirSync(join(t, 'sub'), { recursive: true });
  writeFileSync(join(t, 'default.nix'), '{ x }: x * 2\n');
  writeFileSync(join(t, 'msg.txt'), 'hello from a tarball\n');
  writeFileSync(join(t, 'sub', 'run.sh'), '#!/bin/sh\necho run\n');
  chmodSync(join(t, 'sub', 'run.sh'), 0o755);
  sh('ln', ['-s', 'msg.txt', join(t, 'link')], dir);
  for (const p of [join(t, 'sub', 'run.sh'), join(t, 'sub'), join(t, 'default.nix'), join(t, 'msg.txt'), t]) utimesSync(p, STAMP, STAMP);
  return t;
}

/** Pack `DIR/pkg` as pkg.tar, pkg.tar.gz, pkg.tar.xz, pkg.tar.bz2, pkg.tar.zst (and pkg.zip when zip exists). */
export function makeTarballs(dir: string): string[] {
  const names = ['pkg.tar', 'pkg.tar.gz', 'pkg.tar.xz', 'pkg.tar.bz2', 'pkg.tar.zst'];
  const flags: Record<string, string[]> = { 'pkg.tar': [], 'pkg.tar.gz': ['-z'], 'pkg.tar.xz': ['-J'], 'pkg.tar.bz2': ['-j'], 'pkg.tar.zst': ['--zstd'] };
  for (const n of names) sh('tar', ['-c', ...flags[n]!, '-f', n, '--owner=0', '--group=0', 'pkg'], dir);
  return names;
}

/** A git repository with two commits on `main` and a branch `feature` with a third. Returns the commit ids. */
export function makeRepo(dir: string): { first: string; second: string; feature: string } {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]): string => sh('git', args, dir, { ...GIT_ENV, GIT_AUTHOR_DATE: '2024-01-02T03:04:05Z', GIT_COMMITTER_DATE: '2024-01-02T03:04:05Z' }).trim();
  git('init', '-q', '-b', 'main');
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'default.nix'), '{ answer = 42; }\n');
  writeFileSync(join(dir, 'lib', 'a.txt'), 'a\n');
  git('add', '.');
  git('commit', '-q', '-m', 'first');
  const first = git('rev-parse', 'HEAD');
  writeFileSync(join(dir, 'b.txt'), 'b\n');
  writeFileSync(join(dir, '.gitattributes'), 'ignored.txt export-ignore\n');
  writeFileSync(join(dir, 'ignored.txt'), 'not exported\n');
  git('add', '.');
  sh('git', ['commit', '-q', '-m', 'second'], dir, { ...GIT_ENV, GIT_AUTHOR_DATE: '2024-02-03T04:05:06Z', GIT_COMMITTER_DATE: '2024-02-03T04:05:06Z' });
  const second = git('rev-parse', 'HEAD');
  git('checkout', '-q', '-b', 'feature');
  writeFileSync(join(dir, 'feature.txt'), 'f\n');
  git('add', '.');
  git('commit', '-q', '-m', 'feature');
  const feature = git('rev-parse', 'HEAD');
  git('checkout', '-q', 'main');
  return { first, second, feature };
}
