{
  description = "hearth: dotfile sync, system upgrades, golden-generation rollback and secrets for a fleet of personal hosts, through git";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      # Written with builtins only, so the outputs' shape evaluates without
      # fetching nixpkgs (the Go tests check it offline).
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: builtins.listToAttrs (map (system: { name = system; value = f system; }) systems);
      pkgsFor = system: import nixpkgs { inherit system; overlays = [ self.overlays.default ]; };
      version = "0.1.0-" + (self.shortRev or self.dirtyShortRev or "dirty");
    in
    {
      overlays.default = final: prev: {
        hearth = final.callPackage ./nix/package.nix { inherit version; };
      };

      packages = forAllSystems (system: {
        default = (pkgsFor system).hearth;
        hearth = (pkgsFor system).hearth;
      });

      nixosModules.default = { ... }: {
        imports = [ ./nix/module.nix ];
        nixpkgs.overlays = [ self.overlays.default ];
      };
      nixosModules.hearth = self.nixosModules.default;

      lib = import ./nix/lib.nix;

      checks = forAllSystems (system:
        let pkgs = pkgsFor system; in
        {
          package = pkgs.hearth;
          # Needs KVM; see nix/tests/vm.nix. The test's nodes get pkgs (with
          # the overlay) read-only, so they import the bare module.
          vm = import ./nix/tests/vm.nix { inherit pkgs; hearthModule = ./nix/module.nix; };
        });
    };
}
