# Evaluates nix/home-manager.nix (as the flake's homeManagerModules.default)
# with the real nixpkgs lib and stand-ins for the home-manager options it
# sets, typed as home-manager types them (modules/systemd.nix's unit type,
# modules/misc/xdg.nix's configFile).
{ kit, config, system ? "x86_64-linux", withPackage ? false }:

let
  lib = import (kit + "/nixpkgs-lib/lib");
  stub = import (kit + "/pkgs-stub.nix") { inherit lib system; };
  goStub = final: prev: { go = { version = "1.26.0"; }; buildGo126Module = prev.buildGoModule; };
  flake = import ../../../flake.nix;
  nixpkgs = { inherit lib; legacyPackages.${system} = pkgs; };
  self = flake.outputs { inherit self nixpkgs; } // { outPath = ../../..; };
  pkgs = lib.fix (lib.foldl' (f: o: lib.extends o f) stub ([ goStub ] ++ lib.optional withPackage self.overlays.default));

  primitive = with lib.types; oneOf [ bool int str path ];
  unitType = with lib.types; attrsOf (attrsOf (attrsOf (either primitive (listOf primitive))));
  stand-ins = {
    options = with lib; {
      assertions = mkOption { type = types.listOf types.unspecified; default = [ ]; };
      warnings = mkOption { type = types.listOf types.str; default = [ ]; };
      home.packages = mkOption { type = types.listOf types.package; default = [ ]; };
      home.homeDirectory = mkOption { type = types.path; default = "/home/rain"; };
      xdg.configHome = mkOption { type = types.path; default = "/home/rain/.config"; };
      xdg.configFile = mkOption {
        default = { };
        type = types.attrsOf (types.submodule { options.source = mkOption { type = types.path; }; });
      };
      systemd.user.services = mkOption { type = unitType; default = { }; };
      systemd.user.timers = mkOption { type = unitType; default = { }; };
    };
  };
  eval = lib.evalModules {
    modules = [ { _module.args.pkgs = pkgs; } stand-ins self.homeManagerModules.default config ];
  };
  cfg = eval.config;
in
{
  failedAssertions = map (a: a.message) (lib.filter (a: !a.assertion) cfg.assertions);
  inherit (cfg) warnings;
  services = cfg.systemd.user.services;
  timers = cfg.systemd.user.timers;
  configFiles = lib.attrNames cfg.xdg.configFile;
  toml = (import ../../lib.nix).renderSettings cfg.services.hearth.settings;
  package = cfg.services.hearth.package.name or null;
}
