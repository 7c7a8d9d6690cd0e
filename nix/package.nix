# hearth as a nixpkgs package. vendorHash lives in ./vendor-hash so that a Go
# test (nix/nix_test.go) can recompute it from go.mod/go.sum and fail when it
# is stale; update it with: go test ./nix -run TestVendorHash -update
{ lib, buildGoModule, git, makeWrapper, version ? "dev" }:

buildGoModule {
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
