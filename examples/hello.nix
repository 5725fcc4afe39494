# The README's first command builds this: `./bin/tix build examples/hello.nix`.
# A derivation with a source from this directory and a text file, built in the sandbox
# with busybox's /bin/sh; the same expression gives the same .drv and output path in Nix.
{ greeting ? "Hello" }:
let
  message = builtins.toFile "message.txt" "${greeting} from tix!\n";
in
derivation {
  name = "hello-tix";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" ''
    mkdir -p $out/bin
    cat ${message} > $out/message.txt
    printf '#!/bin/sh\ncat %s\n' $out/message.txt > $out/bin/hello
    chmod +x $out/bin/hello
  '' ];
}
