/**
 * A `NarSink` for fuzz targets: records every event as text (to compare two parses) and
 * rebuilds the tree as `NarNode`s (to write it again with the NAR writer).
 */

import type { NarSink } from '../../../src/store/nar/sink.ts';
import { directoryNode, type NarNode, regularNode, symlinkNode } from '../../../src/store/nar/source.ts';

const hex = (b: Uint8Array | undefined) => (b === undefined ? '-' : Buffer.from(b).toString('hex'));

interface OpenDir {
  entries: [Uint8Array, NarNode][];
  name: Uint8Array | undefined;
}

export class RecordingSink implements NarSink {
  readonly events: string[] = [];
  root: NarNode | undefined;
  readonly #dirs: OpenDir[] = [];
  #file: { name: Uint8Array | undefined; executable: boolean; chunks: Buffer[] } | undefined;

  #add(name: Uint8Array | undefined, node: NarNode): void {
    if (name === undefined) this.root = node;
    else this.#dirs[this.#dirs.length - 1]!.entries.push([name, node]);
  }

  directory(name: Uint8Array | undefined): void {
    this.events.push(`dir ${hex(name)}`);
    this.#dirs.push({ entries: [], name: name && Uint8Array.from(name) });
  }

  endDirectory(): void {
    this.events.push('end-dir');
    const d = this.#dirs.pop()!;
    this.#add(d.name, directoryNode(d.entries));
  }

  regular(name: Uint8Array | undefined, executable: boolean, size: number, offset: number): void {
    this.events.push(`reg ${hex(name)} x=${executable} size=${size} at=${offset}`);
    this.#file = { name: name && Uint8Array.from(name), executable, chunks: [] };
  }

  contents(chunk: Uint8Array): void {
    // chunk boundaries depend on how the input was split; only the bytes are recorded
    this.#file!.chunks.push(Buffer.from(chunk));
  }

  endRegular(): void {
    const f = this.#file!;
    const bytes = Buffer.concat(f.chunks);
    this.events.push(`end-reg ${bytes.toString('hex')}`);
    this.#add(f.name, regularNode(new Uint8Array(bytes), f.executable));
    this.#file = undefined;
  }

  symlink(name: Uint8Array | undefined, target: Uint8Array): void {
    this.events.push(`link ${hex(name)} ${hex(target)}`);
    this.#add(name, symlinkNode(Uint8Array.from(target)));
  }
}
