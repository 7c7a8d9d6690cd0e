# The options of the NixOS module and of the home-manager module as data,
# for docs/nixos-module.md (rendered by nix/optionsdoc_test.go). Evaluated
# with the real nixpkgs lib from the nixos-eval kit.
{ kit }:

let
  nixos = import ./harness.nix { inherit kit; config = { }; };
  inherit (nixos) lib;
  hm = lib.evalModules {
    modules = [
      { _module.args.pkgs = nixos.pkgs; _module.check = false; }
      ../../home-manager.nix
    ];
  };
  doc = options: prefix: map
    (o: {
      inherit (o) name description readOnly;
      type = o.type;
      default = if o ? default then o.default.text or (builtins.toJSON o.default) else null;
      example = if o ? example then o.example.text or (builtins.toJSON o.example) else null;
    })
    (lib.filter (o: o.visible && !o.internal && lib.hasPrefix prefix o.name) (lib.optionAttrSetToDocList options));
in
{
  nixos = doc nixos.eval.options "services.hearth.";
  homeManager = doc hm.options "services.hearth.";
}
