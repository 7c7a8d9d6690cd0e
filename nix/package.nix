# hearth as a nixpkgs package. vendorHash lives in ./vendor-hash so that a Go
# test (nix/nix_test.go) can recompute it from go.mod/go.sum and fail when it
# is stale; update it with: go test ./nix -run TestVendorHash -update
#
# go.mod says go 1.26. nixpkgs' buildGoModule follows its default Go, which
# may be older: buildGo126Module is used where nixpkgs has it (nixos-unstable
# since Go 1.26 landed, NixOS 26.05 on), the default where that is new
# enough, and otherwise evaluation stops saying which nixpkgs is needed.
{ lib, buildGoModule, go, buildGo126Module ? null, git, makeWrapper, version ? "dev" }:

let
  buildHearth =
    if buildGo126Module != null then buildGo126Module
    else if lib.versionAtLeast go.version "1.26" then buildGoModule
    else throw "hearth needs Go 1.26 or newer (go.mod), but this nixpkgs has Go ${go.version} and no buildGo126Module: use a nixpkgs with go_1_26 (nixos-unstable since Go 1.26, or NixOS 26.05 and later).";
in
buildHearth {
  pname = "hearth";
  inherit version;

  # The whole tree: `go mod vendor` (and so vendorHash) depends on every
  # package's imports, tests included, and nix/nix_test.go computes the hash
  # from the same tree.
  src = lib.cleanSource ../.;

  vendorHash = lib.removeSuffix "\n" (builtins.readFile ./vendor-hash);

  # hearth-sops holds the sops library (and the cloud KMS SDKs it links);
  # hearth runs it for `hearth secrets` only, found beside .hearth-wrapped.
  subPackages = [ "cmd/hearth" "cmd/hearth-sops" ];
  ldflags = [ "-s" "-w" "-X github.com/hearth-fleet/hearth/internal/cli.Version=${version}" ];
  env.CGO_ENABLED = "0";

  nativeBuildInputs = [ makeWrapper ];
  # hearth runs git for every sync and upgrade; nix and systemctl come from
  # the host (the NixOS module puts them on the units' PATH).
  postInstall = ''
    wrapProgram $out/bin/hearth --suffix PATH : ${lib.makeBinPath [ git ]}
  '';

  # The tests run real git, nix and systemd-analyze outside the sandbox
  # (scripts/test); the package build only compiles.
  doCheck = false;

  meta = {
    description = "Keep a fleet of personal NixOS/Linux hosts in sync through git, with no central server";
    homepage = "https://github.com/hearth-fleet/hearth";
    mainProgram = "hearth";
    platforms = lib.platforms.linux;
  };
}
