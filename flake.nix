{
  description = "hearth: dotfile sync, system upgrades, golden-generation rollback and secrets for a fleet of personal hosts, through git";

  # The package needs Go 1.26 (go.mod): a nixpkgs with go_1_26, i.e.
  # nixos-unstable since Go 1.26 landed there, or NixOS 26.05 and later.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      # Written with builtins only, so the outputs' shape evaluates without
      # fetching nixpkgs (the Go tests check it offline).
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: builtins.listToAttrs (map (system: { name = system; value = f system; }) systems);
      pkgsFor = system: nixpkgs.legacyPackages.${system};
      version = "0.1.0-" + (self.shortRev or self.dirtyShortRev or "dirty");
      hearthFor = pkgs: pkgs.callPackage ./nix/package.nix { inherit version; };
    in
    {
      overlays.default = final: prev: {
        hearth = hearthFor final;
      };

      packages = forAllSystems (system: rec {
        hearth = hearthFor (pkgsFor system);
        default = hearth;
      });

      # The module users import: the package is pkgs.hearth where their
      # nixpkgs has one, else this flake's. It never touches
      # nixpkgs.overlays, which is read-only when pkgs is given
      # (runNixOSTest nodes, nixpkgs.pkgs).
      nixosModules.default = { lib, pkgs, ... }: {
        imports = [ ./nix/module.nix ];
        services.hearth.package = lib.mkDefault
          (pkgs.hearth or self.packages.${pkgs.stdenv.hostPlatform.system}.hearth or null);
      };
      nixosModules.hearth = self.nixosModules.default;

      # Dotfile sync as a systemd user unit, for homes managed by home-manager.
      homeManagerModules.default = { lib, pkgs, ... }: {
        imports = [ ./nix/home-manager.nix ];
        services.hearth.package = lib.mkDefault
          (pkgs.hearth or self.packages.${pkgs.stdenv.hostPlatform.system}.hearth or null);
      };
      homeManagerModules.hearth = self.homeManagerModules.default;

      lib = import ./nix/lib.nix;

      devShells = forAllSystems (system:
        let pkgs = pkgsFor system; in
        {
          default = pkgs.mkShell {
            packages = [
              (pkgs.go_1_26 or pkgs.go)
              pkgs.gopls
              pkgs.go-tools # staticcheck
              pkgs.git
              pkgs.age
              pkgs.sops
              pkgs.nix
              pkgs.nixpkgs-fmt
              pkgs.nil
            ];
          };
        });

      formatter = forAllSystems (system: (pkgsFor system).nixpkgs-fmt);

      checks = forAllSystems (system:
        let
          pkgs = pkgsFor system;
          # The module evaluation matrix of nix/eval_test.go, against this
          # nixpkgs (nix/tests/eval/checks.nix).
          evaluation = import ./nix/tests/eval/checks.nix { inherit nixpkgs pkgs self; };
        in
        {
          package = self.packages.${system}.hearth;
          module-evaluation = evaluation;
          # Needs KVM; see nix/tests/vm.nix. The nodes import the flake's
          # module with runNixOSTest's read-only pkgs.
          vm = import ./nix/tests/vm.nix { inherit pkgs; hearthModule = self.nixosModules.default; };
        });
    };
}
