/**
 * The JSON form of a derivation printed by `nix derivation show`: upstream Nix's documented
 * "Derivation v4" format (doc/manual/source/protocols/json/schema/derivation-v4.yaml;
 * src/libstore/derivation/json.cc). `nix derivation show` wraps it as
 * `{"derivations": {"<drv base name>": …}, "version": 4}`.
 *
 *   { "args": [...], "builder": "...", "env": {...},
 *     "inputs": { "drvs": { "<base>.drv": { "dynamicOutputs": {}, "outputs": [...] } },
 *                 "srcs": ["<base>", ...] },
 *     "name": "...", "outputs": { "<name>": OUTPUT }, "structuredAttrs": {...}?,
 *     "system": "...", "version": 4 }
 *   OUTPUT = {"path": "<base>"}                    input-addressed
 *          | {"hash": "<SRI>", "method": "nar"}    fixed (method flat | nar | text)
 *          | {"hashAlgo": "sha256", "method": "nar"}  floating
 *          | {}                                    deferred
 *          | {"hashAlgo": ..., "impure": true, "method": ...}
 *
 * Keys are sorted by bytes (nlohmann's std::map). Store paths are base names. With
 * structured attrs, `__json` leaves `env` and its parsed value is `structuredAttrs`.
 *
 * Where Nix 2.8's `nix show-derivation` differs: its top level maps *absolute* drv paths
 * straight to derivations (no "version"/"derivations" wrapper); each derivation has no
 * "name"/"version"; inputs are "inputSrcs" (absolute paths) and "inputDrvs" (absolute
 * path → output list); outputs carry absolute "path" for fixed outputs too, with
 * "hashAlgo": "r:sha256" and "hash" in base16 instead of method + SRI hash; floating outputs
 * print "hashAlgo": "r:sha256"; "__json" stays in "env"; keys keep insertion order
 * (outputs, inputSrcs, inputDrvs, system, builder, args, env) and it is always pretty-printed.
 *
 * Strings are decoded from bytes as UTF-8 (invalid sequences become U+FFFD; upstream Nix
 * refuses to print them). Numbers in structured attrs go through JS numbers, so `1.0` prints
 * as `1` where nlohmann would keep `1.0`.
 */

import { FormatError } from '../../errors.ts';
import { byteStringToUtf8, utf8ToByteString } from '../../util/byte-string.ts';
import { compareStrings } from '../../util/bytes.ts';
import { type Json, type JsonObject, sortedObject } from '../../util/json-writer.ts';
import type { ContentAddressMethod } from '../content-address.ts';
import type { Derivation, DerivationOutput } from './derivation.ts';

/** Version of the derivation JSON format produced. Nix: `expectedJsonVersionDerivation`. */
export const DERIVATION_JSON_VERSION = 4;

/** The env var holding structured attrs. Nix: `StructuredAttrs::envVarName`. */
export const STRUCTURED_ATTRS_ENV = '__json';

const text = byteStringToUtf8;

/** A JSON object of byte-string keys: sorted by bytes, then decoded. */
function byteKeyed(entries: Iterable<readonly [string, Json]>): JsonObject {
  const sorted = [...entries].sort((a, b) => compareStrings(a[0], b[0]));
  return new Map(sorted.map(([k, v]) => [text(k), v]));
}

function methodName(m: ContentAddressMethod): string {
  return m; // 'flat' | 'nar' | 'text' are also the JSON names
}

function outputToJson(o: DerivationOutput): JsonObject {
  switch (o.type) {
    case 'inputAddressed':
      return new Map([['path', o.path.baseName]]);
    case 'caFixed':
      return new Map([['hash', o.hash.sri], ['method', methodName(o.method)]]);
    case 'caFloating':
      return new Map([['hashAlgo', o.hashAlgo], ['method', methodName(o.method)]]);
    case 'deferred':
      return new Map();
    case 'impure':
      return new Map<string, Json>([['hashAlgo', o.hashAlgo], ['impure', true], ['method', methodName(o.method)]]);
  }
}

/** Parsed JSON (from `JSON.parse`) as a Json tree with keys sorted by their UTF-8 bytes. */
function sortJson(v: unknown): Json {
  if (Array.isArray(v)) return v.map(sortJson);
  if (v !== null && typeof v === 'object') {
    return sortedObject(
      Object.entries(v).map(([k, x]) => [k, sortJson(x)] as const),
      (a, b) => compareStrings(utf8ToByteString(a), utf8ToByteString(b)),
    );
  }
  return v as Json;
}

/** The v4 JSON object of one derivation. */
export function derivationToJson(drv: Derivation): JsonObject {
  const structured = drv.env.get(STRUCTURED_ATTRS_ENV);
  const env = byteKeyed([...drv.env].filter(([k]) => structured === undefined || k !== STRUCTURED_ATTRS_ENV).map(([k, v]) => [k, text(v)] as const));

  const drvs = sortedObject(
    drv.inputDrvs.map((i) => [i.path.baseName, new Map<string, Json>([
      ['dynamicOutputs', new Map()],
      ['outputs', [...new Set(i.outputs)].sort(compareStrings).map(text)],
    ])] as const),
    compareStrings,
  );
  const srcs = [...new Set(drv.inputSrcs.map((p) => p.baseName))].sort(compareStrings);

  const fields: [string, Json][] = [
    ['args', drv.args.map(text)],
    ['builder', text(drv.builder)],
    ['env', env],
    ['inputs', new Map<string, Json>([['drvs', drvs], ['srcs', srcs]])],
    ['name', text(drv.name)],
    ['outputs', byteKeyed([...drv.outputs].map(([k, o]) => [k, outputToJson(o)] as const))],
  ];
  if (structured !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text(structured));
    } catch (e) {
      throw new FormatError('E_DRV_STRUCTURED_ATTRS', `invalid structured attributes in derivation '${drv.name}': ${(e as Error).message}`);
    }
    fields.push(['structuredAttrs', sortJson(parsed)]);
  }
  fields.push(['system', text(drv.system)], ['version', DERIVATION_JSON_VERSION]);
  return new Map(fields);
}

/** The document `nix derivation show` prints: drv base name → derivation, in path order. */
export function derivationsToJson(drvs: Iterable<readonly [string, Derivation]>): JsonObject {
  const derivations = sortedObject([...drvs].map(([base, d]) => [base, derivationToJson(d)] as const), compareStrings);
  return new Map<string, Json>([['derivations', derivations], ['version', DERIVATION_JSON_VERSION]]);
}
