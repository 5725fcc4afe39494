/**
 * Evaluation workloads for bench/eval: each a self-contained Nix expression of a shape real
 * code has (recursion and arithmetic, big lists, big attrsets and `//`, string building,
 * many small derivations, a module-system-style fixpoint). Sizes are chosen so CppNix takes
 * roughly 0.1–2 s here.
 */

export interface Workload {
  readonly name: string;
  readonly nix: string;
}

const MODULES = `
let
  # A small module system: modules are functions of the final config, merged recursively.
  merge = a: b: a // builtins.mapAttrs (n: v: if builtins.isAttrs v && a ? \${n} && builtins.isAttrs a.\${n} then merge a.\${n} v else v) b;
  evalModules = modules: let config = builtins.foldl' (acc: m: merge acc (m { inherit config; })) { } modules; in config;
  service = i: { config, ... }: {
    services."svc\${toString i}" = { enable = i / 2 * 2 == i; port = 8000 + i; };
    ports = if config.services."svc\${toString i}".enable then { "p\${toString i}" = config.services."svc\${toString i}".port; } else { };
  };
  cfg = evalModules (builtins.genList service 4000);
in
  [ (builtins.length (builtins.attrNames cfg.services)) (builtins.foldl' (a: b: a + b) 0 (builtins.attrValues cfg.ports)) ]
`;

export const WORKLOADS: readonly Workload[] = [
  { name: 'fib 27', nix: 'let fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2); in fib 27' },
  { name: "foldl' 1e6 ints", nix: "builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) 1000000)" },
  {
    name: 'attrsets 1e5 + //',
    nix: `let
  s = builtins.listToAttrs (builtins.genList (i: { name = "k\${toString i}"; value = i; }) 100000);
  u = builtins.foldl' (acc: i: acc // { "x\${toString i}" = i; }) { } (builtins.genList (x: x) 2000);
in [ (builtins.length (builtins.attrNames (s // u))) (builtins.foldl' (a: n: a + s.\${n}) 0 (builtins.attrNames s)) (builtins.hasAttr "k99" (builtins.mapAttrs (n: v: v + 1) s)) ]`,
  },
  {
    name: 'lists 2e5 sort/map/filter',
    nix: `let l = builtins.genList (x: (x * 7919) - (x / 3) * 3) 200000; in
[ (builtins.elemAt (builtins.sort builtins.lessThan l) 777) (builtins.length (builtins.filter (x: x > 1000) (map (x: x * 2) l)))
  (builtins.length (builtins.concatLists (map (x: [ x x ]) l))) (builtins.elem 5 l) ]`,
  },
  {
    name: 'strings 2e5 pieces',
    nix: `let s = builtins.concatStringsSep "," (builtins.genList (i: "item-\${toString i}-\${builtins.substring 1 3 "abcdef"}") 200000); in
[ (builtins.stringLength s) (builtins.stringLength (builtins.replaceStrings [ "item" "," ] [ "it" ";" ] s)) (builtins.hashString "sha256" s) ]`,
  },
  {
    name: '10000 derivations',
    nix: `map (d: d.drvPath) (builtins.genList (i: derivation { name = "d\${toString i}"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo \${toString i} > $out" ]; }) 10000)`,
  },
  { name: 'modules 4000 services', nix: MODULES },
];
