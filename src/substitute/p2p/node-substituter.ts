/**
 * The P2P network as a substituter (`p2p:` in `substituters`, or automatically when a
 * tix node is running): the builder's `Substituter` over the node's control socket.
 *
 *   queryPathInfos  the node finds providers (neighbours' inventories, then the DHT) and
 *                   returns one provider's narinfo per path; the builder's trust decision
 *                   (substitute.ts) checks it like any binary cache's
 *   fetchNar        the node substitutes the path into its store (the same store: it checks
 *                   signature, hash and size itself and tries the next provider on any
 *                   failure), then the NAR is read back from the store tree
 *
 * Reading the NAR back makes the builder's import verify it a second time; that costs a
 * restore but keeps one trust path for every substituter.
 */

import { existsSync } from 'node:fs';
import { InvalidValueError } from '../../errors.ts';
import { dumpPath } from '../../store/local/nar-fs.ts';
import { parseNarInfo } from '../../store/narinfo.ts';
import type { StoreDir } from '../../store/store-dir.ts';
import type { StorePath } from '../../store/store-path.ts';
import type { SubstitutablePathInfo, Substituter } from '../substituter.ts';
import { ControlClient } from './control.ts';

/** Below cache.nixos.org's 40: a LAN peer is the cheaper source. */
export const P2P_PRIORITY = 30;

export class NodeSubstituter implements Substituter {
  readonly uri = 'p2p:';
  readonly priority: number;
  readonly trusted = false;
  readonly #stateDir: string;
  readonly #storeDir: StoreDir;
  readonly #realStoreDir: string;

  constructor(stateDir: string, storeDir: StoreDir, realStoreDir: string, priority = P2P_PRIORITY) {
    this.#stateDir = stateDir;
    this.#storeDir = storeDir;
    this.#realStoreDir = realStoreDir;
    this.priority = priority;
  }

  /** The substituter of the node running with `stateDir`, or undefined when none answers. */
  static async probe(stateDir: string, storeDir: StoreDir, realStoreDir: string): Promise<NodeSubstituter | undefined> {
    try {
      const c = await ControlClient.connect(stateDir, 1000);
      c.close();
      return new NodeSubstituter(stateDir, storeDir, realStoreDir);
    } catch {
      return undefined;
    }
  }

  async queryPathInfos(paths: readonly StorePath[]): Promise<Map<string, SubstitutablePathInfo>> {
    const texts = await this.#call((c) => c.queryNarinfos(paths.map((p) => this.#storeDir.printPath(p))));
    const out = new Map<string, SubstitutablePathInfo>();
    for (const p of paths) {
      const text = texts[this.#storeDir.printPath(p)];
      if (text === undefined) continue;
      try {
        const info = parseNarInfo(text, { whence: `narinfo of ${p.baseName} from the P2P network`, storeDir: this.#storeDir });
        if (info.path.equals(p)) out.set(p.baseName, info);
      } catch {
        // A malformed narinfo is no offer; the node's own substitution would refuse it too.
      }
    }
    return out;
  }

  async *fetchNar(info: SubstitutablePathInfo): AsyncIterable<Uint8Array> {
    const printed = this.#storeDir.printPath(info.path);
    const r = await this.#call((c) => c.substitute([printed]));
    const why = r.failed[info.path.baseName];
    if (why !== undefined) throw new InvalidValueError('E_SUBSTITUTER', why);
    const real = `${this.#realStoreDir}/${info.path.baseName}`;
    if (!existsSync(real)) throw new InvalidValueError('E_SUBSTITUTER', `the tix node substituted '${printed}' into another store than this one`);
    yield* dumpPath(real);
  }

  async #call<T>(f: (c: ControlClient) => Promise<T>): Promise<T> {
    const c = await ControlClient.connect(this.#stateDir);
    try {
      return await f(c);
    } finally {
      c.close();
    }
  }
}
