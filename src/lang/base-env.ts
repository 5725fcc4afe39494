/**
 * The names of upstream Nix's static base environment (`EvalState::createBaseEnv`,
 * libexpr/primops.cc): the constants, `derivation`, and every primop registered globally —
 * `__`-prefixed ones (also reachable as `builtins.X`) and the few unprefixed ones (`import`,
 * `map`, `toString`, …). The resolver needs the names only; the evaluator fills the slots and
 * may pass its own list (e.g. without impure constants in pure mode, or with primops of
 * enabled experimental features), in its own slot order.
 */

export const BASE_ENV_NAMES: readonly string[] = [
  'builtins', 'true', 'false', 'null', '__currentTime', '__currentSystem', '__nixVersion', '__storeDir',
  '__langVersion', '__nixPath', 'derivation',
  'abort', 'baseNameOf', 'break', 'derivationStrict', 'dirOf', 'fetchGit', 'fetchMercurial', 'fetchTarball',
  'fetchTree', 'fromTOML', 'import', 'isNull', 'map', 'placeholder', 'removeAttrs', 'scopedImport', 'throw',
  'toString',
  '__add', '__addDrvOutputDependencies', '__addErrorContext', '__all', '__any', '__appendContext', '__attrNames',
  '__attrValues', '__bitAnd', '__bitOr', '__bitXor', '__catAttrs', '__ceil', '__compareVersions', '__concatLists',
  '__concatMap', '__concatStringsSep', '__convertHash', '__deepSeq', '__div', '__elem', '__elemAt', '__fetchClosure',
  '__fetchurl', '__filter', '__filterSource', '__findFile', '__flakeRefToString', '__floor', "__foldl'",
  '__fromJSON', '__functionArgs', '__genList', '__genericClosure', '__getAttr', '__getContext', '__getEnv',
  '__getFlake', '__groupBy', '__hasAttr', '__hasContext', '__hashFile', '__hashString', '__head',
  '__intersectAttrs', '__isAttrs', '__isBool', '__isFloat', '__isFunction', '__isInt', '__isList', '__isPath',
  '__isString', '__length', '__lessThan', '__listToAttrs', '__mapAttrs', '__match', '__mul', '__parseDrvName',
  '__parseFlakeRef', '__partition', '__path', '__pathExists', '__readDir', '__readFile', '__readFileType',
  '__replaceStrings', '__seq', '__sort', '__split', '__splitVersion', '__storePath', '__stringLength', '__sub',
  '__substring', '__tail', '__toFile', '__toJSON', '__toPath', '__toXML', '__trace', '__traceVerbose', '__tryEval',
  '__typeOf', '__unsafeDiscardOutputDependency', '__unsafeDiscardStringContext', '__unsafeGetAttrPos', '__warn',
  '__zipAttrsWith',
];
