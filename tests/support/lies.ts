/**
 * The hash parts that make the lying peer (lying-peer.ts) lie, one per kind of lie. Kept apart
 * from lying-peer.ts because that module starts a host when imported.
 */

export const LIES = {
  /** Announces 1000 bytes, sends 500, closes without nar-end. */
  truncate: '00000000000000000000000000000001',
  /** Announces 1000 bytes, sends 1500. */
  overflow: '00000000000000000000000000000002',
  /** Sends a frame whose length prefix exceeds the NAR frame cap. */
  hugeFrame: '00000000000000000000000000000003',
  /** Announces a NAR larger than any client allows. */
  hugeHeader: '00000000000000000000000000000004',
  /** Answers a narinfo request with the narinfo of another path. */
  wrongPath: '00000000000000000000000000000005',
  /** Answers with a narinfo frame over the narinfo cap. */
  oversizedNarinfo: '00000000000000000000000000000006',
  /** Announces 1000 bytes, zstd-compressed, and sends a zstd frame that inflates to 64 MiB. */
  zstdBomb: '00000000000000000000000000000007',
  /** Announces 1000 bytes and sends nar-data frames until the client goes away. */
  endless: '00000000000000000000000000000008',
} as const;
