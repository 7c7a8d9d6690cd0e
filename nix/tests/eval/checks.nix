# checks.<system>.module-evaluation: the matrix of ./cases.nix evaluated as
# whole NixOS systems with the real nixpkgs (what nix/eval_test.go does with
# the nixos-eval kit): each ok case has no failed assertion, no warning
# beyond a system without hearth, its units hold the expected lines; each
# rejected case fails to evaluate; and building the check runs
# `hearth config check` on every config the module renders.
{
  nixpkgs,
  pkgs,
  self,
  cases ? import ./cases.nix,
  # Evaluates a NixOS configuration from a list of modules and returns its
  # config; nix/eval_test.go passes one built on the kit.
  evalNixos ? modules: (nixpkgs.lib.nixosSystem {
    modules = modules ++ [{
      # read-only pkgs, as runNixOSTest gives: the module must not need overlays
      nixpkgs.pkgs = pkgs;
      boot.loader.grub.enable = false;
      fileSystems."/" = { device = "none"; fsType = "tmpfs"; };
      system.stateVersion = nixpkgs.lib.trivial.release;
    }];
  }).config,
}:

let
  lib = nixpkgs.lib;
  inherit (lib) concatLists mapAttrsToList filter elem optional splitString;

  baseline = evalNixos [ ];
  systemOf = c: evalNixos [ self.nixosModules.default c.config (c.nixos or { }) ];

  problemsOf = name: c:
    let
      cfg = systemOf c;
      lines = u: splitString "\n" (cfg.systemd.units.${u}.text or "");
      failed = map (a: "failed assertion: ${a.message}") (filter (a: !a.assertion) cfg.assertions);
      warnings = map (w: "warning: ${w}") (lib.subtractLists baseline.warnings cfg.warnings);
      missing = concatLists (mapAttrsToList
        (u: want:
          if !(cfg.systemd.units ? ${u}) then [ "no unit ${u}" ]
          else map (l: "${u} lacks the line ${l}") (filter (l: !(elem l (lines u))) want))
        (c.units or { }));
      present = map (u: "unit ${u} must not exist") (filter (u: cfg.systemd.units ? ${u}) (c.absent or [ ]));
    in
    map (p: "${name}: ${p}") (failed ++ warnings ++ missing ++ present);

  rejectedProblems = concatLists (mapAttrsToList
    (name: config:
      let
        cfg = evalNixos [ self.nixosModules.default config ];
        forced = builtins.tryEval (builtins.deepSeq [
          (map (a: a.assertion) cfg.assertions)
          (lib.mapAttrs (_: u: u.text or null) cfg.systemd.units)
          (lib.mapAttrs (_: s: s.path) cfg.services.hearth.secrets)
        ] true);
      in
      optional forced.success "rejected case ${name} evaluated")
    cases.rejected);

  problems = concatLists (mapAttrsToList problemsOf cases.ok) ++ rejectedProblems;

  # The module's /etc/hearth files are `hearth config check`ed when built.
  configs = concatLists (mapAttrsToList
    (_: c:
      let etc = (systemOf c).environment.etc; in
      map (n: etc.${n}.source) (filter (lib.hasPrefix "hearth/") (lib.attrNames etc)))
    cases.ok);
in
if problems != [ ] then throw ("hearth module evaluation:\n" + lib.concatStringsSep "\n" problems)
else pkgs.runCommand "hearth-module-evaluation" { inherit configs; } ''
  echo "${toString (lib.length (lib.attrNames cases.ok))} configurations evaluate; ${toString (lib.length configs)} configs pass hearth config check" > $out
''
