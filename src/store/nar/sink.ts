/**
 * The receiving end of the NAR reader (reader.ts): the objects of a NAR, in NAR order.
 * Nix: `FileSystemObjectSink` (libutil/fs-sink.hh). Implementations: the restorer
 * (store/local/fs-sink.ts), the listing (listing.ts), and `nullSink`, which only validates.
 */

/**
 * Receives the objects of a NAR in order. Names and targets are views that are valid only
 * during the call; `name` is undefined for the root object. Methods may throw to abort.
 */
export interface NarSink {
  /** A directory starts; its entries follow, then `endDirectory()`. */
  directory(name: Uint8Array | undefined): void;
  endDirectory(): void;
  /** A regular file starts; `size` bytes follow through `contents()`, then `endRegular()`. `offset` is where its contents start in the NAR. */
  regular(name: Uint8Array | undefined, executable: boolean, size: number, offset: number): void;
  contents(chunk: Uint8Array): void;
  endRegular(): void;
  symlink(name: Uint8Array | undefined, target: Uint8Array): void;
}

/** A sink that ignores everything: parsing into it validates a NAR. */
export const nullSink: NarSink = {
  directory() {},
  endDirectory() {},
  regular() {},
  contents() {},
  endRegular() {},
  symlink() {},
};

