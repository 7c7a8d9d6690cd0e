# Evaluates hearth's NixOS module against the real nixpkgs lib and NixOS's
# systemd unit types and renderer from the nixos-eval kit (see
# nix/eval_test.go; on a real machine the flake's checks do the same with the
# real nixpkgs). Returns what the tests read: assertions that failed,
# warnings, the rendered units and the TOML configs the module writes.
{
  # The kit's directory (../shared/nixos-eval, or $HEARTH_NIXOS_EVAL).
  kit,
  # "bare" imports nix/module.nix; "flake" imports the flake's
  # nixosModules.default; "none" neither (the config imports it).
  entry ? "bare",
  # "rw": pkgs built from nixpkgs.overlays (a plain nixosSystem); "ro": a
  # pre-built pkgs, nixpkgs.overlays read-only (runNixOSTest, nixpkgs.pkgs).
  pkgsMode ? "rw",
  # Overlays applied to the stub package set before the module sees it, each
  # a function of the flake's outputs (self: final: prev: ...).
  overlays ? [ ],
  # The configuration under test (a module).
  config,
  system ? "x86_64-linux",
}:

let
  lib = import (kit + "/nixpkgs-lib/lib");
  stub = import (kit + "/pkgs-stub.nix") { inherit lib system; };
  # What nixpkgs' go packaging provides where it has Go 1.26.
  goStub = final: prev: {
    go_1_26 = { version = "1.26.0"; };
    go = final.go_1_26;
    buildGo126Module = args: prev.buildGoModule args // { go = final.go_1_26; };
  };
  # Packages the flake's devShell and the VM test name that the stub lacks.
  extraStub = final: prev: lib.genAttrs [ "age" "sops" "gopls" "go-tools" "nixpkgs-fmt" "nil" ] (n: prev.hello // { name = n; pname = n; })
    // { mkShell = args: { shell = args; }; };
  mkPkgs = extra: lib.fix (lib.foldl' (f: o: lib.extends o f) stub ([ goStub extraStub ] ++ map (o: o self) overlays ++ extra));

  # The flake's outputs with the stub standing in for nixpkgs.
  flake = import ../../../flake.nix;
  nixpkgs = {
    inherit lib;
    legacyPackages.${system} = mkPkgs [ ];
    outPath = "/nixpkgs-stub";
  };
  self = flake.outputs { inherit self nixpkgs; } // { outPath = ../../..; };

  module = { flake = self.nixosModules.default; bare = ../../module.nix; none = { }; }.${entry};

  # The pkgs the modules see: from the overlays nixpkgs.overlays ends up
  # with (read-write) or the pre-built set given to the test (read-only).
  roPkgs = mkPkgs [ ];
  nixpkgsModule =
    if pkgsMode == "ro"
    then import (kit + "/nixos-lite/modules/nixpkgs-ro.nix") [ ]
    else kit + "/nixos-lite/modules/nixpkgs-rw.nix";
  argsModule = { config, ... }: {
    _module.args = {
      pkgs = if pkgsMode == "ro" then roPkgs else mkPkgs config.nixpkgs.overlays;
      utils = import (kit + "/nixos-lite/lib/utils.nix") {
        inherit lib config;
        pkgs = config._module.args.pkgs;
      };
    };
  };

  # NixOS options the module reads that the kit does not declare, typed as
  # upstream (nixos/modules/system/boot/systemd/sysusers.nix, services/system/userborn.nix,
  # config/users-groups.nix).
  standIns = {
    options.users.mutableUsers = lib.mkOption { type = lib.types.bool; default = true; };
    # nixos/modules/system/activation/specialisation.nix (the configuration is not evaluated here)
    options.specialisation = lib.mkOption {
      default = { };
      type = lib.types.attrsOf (lib.types.submodule { options.configuration = lib.mkOption { type = lib.types.deferredModule; default = { }; }; });
    };
    options.systemd.sysusers.enable = lib.mkEnableOption "systemd-sysusers";
    options.services.userborn.enable = lib.mkEnableOption "userborn";
  };

  eval = lib.evalModules {
    modules = [
      standIns
      argsModule
      (kit + "/nixos-lite/modules/base.nix")
      (kit + "/nixos-lite/modules/systemd.nix")
      nixpkgsModule
      module
      config
    ];
  };
  cfg = eval.config;
in
{
  inherit eval lib self;
  pkgs = roPkgs;
  failedAssertions = map (a: a.message) (lib.filter (a: !a.assertion) cfg.assertions);
  warnings = cfg.warnings;
  # Read as NixOS reads it: with a pre-built pkgs, a module that adds an
  # overlay fails here ("defined multiple times").
  overlayCount = builtins.length cfg.nixpkgs.overlays;
  # Every rendered unit's text (all of them come from the configuration).
  units = lib.mapAttrs (_: u: u.text) (lib.filterAttrs (_: u: u ? text) cfg.systemd.units);
  # The TOML files the module renders, by their path under /etc.
  configs = cfg.services.hearth.configFiles or { };
  activationScripts = lib.attrNames (removeAttrs cfg.system.activationScripts [ "script" "users" "groups" ]);
}
