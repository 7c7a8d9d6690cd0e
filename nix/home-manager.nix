# home-manager module for hearth: dotfile sync of one home as a systemd user
# unit (what `hearth units --user` writes), for users whose home is managed
# by home-manager rather than by the NixOS module's dotfiles.users.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.hearth;
  hearthLib = import ./lib.nix;
  toml = pkgs.formats.toml { };
  inherit (lib) mkOption mkEnableOption mkIf types literalExpression;

  packageMissing = ''
    services.hearth.package is null: this pkgs has no `hearth` attribute. Import the flake's
    homeManagerModules.default (it brings its own package), add the flake's overlays.default
    to nixpkgs.overlays, or set services.hearth.package.'';

  rendered = pkgs.writeText "hearth-config.toml" (hearthLib.renderSettings cfg.settings);
  # The file is only used if hearth itself accepts it.
  configFile = pkgs.runCommand "hearth-config-checked.toml" { nativeBuildInputs = lib.optional (cfg.package != null) cfg.package; } ''
    export HOME=$TMPDIR
    hearth config check ${rendered} > /dev/null
    cp ${rendered} $out
  '';
  configPath = "${config.xdg.configHome}/hearth/config.toml";
  hearthBin = if cfg.package == null then throw packageMissing else "${cfg.package}/bin/hearth";
in
{
  options.services.hearth = {
    enable = mkEnableOption "hearth dotfile sync for this home (a systemd user unit and its daily timer)";

    package = mkOption {
      type = types.nullOr types.package;
      default = pkgs.hearth or null;
      defaultText = literalExpression "pkgs.hearth or null (the flake's homeManagerModules.default: its own package)";
      description = "The hearth package.";
    };

    settings = mkOption {
      default = { };
      description = ''
        hearth's configuration for this user, rendered to ~/.config/hearth/config.toml; any key
        of docs/config-reference.md (only dotfile sync runs as a user).'';
      type = types.submodule {
        freeformType = toml.type;
        options.dotfiles = mkOption {
          description = "Dotfile sync.";
          type = types.submodule {
            freeformType = toml.type;
            options = {
              remote = mkOption { type = types.str; description = "Git URL (or local path) of the dotfiles repository."; };
              branch = mkOption { type = types.nullOr types.str; default = null; description = "Branch to sync (hearth's default: main)."; };
              conflict_policy = mkOption {
                type = types.nullOr (types.enum [ "newest" "remote" "local" ]);
                default = null;
                description = "Winner of overlapping edits.";
              };
            };
          };
        };
      };
    };

    onCalendar = mkOption {
      type = types.str;
      default = hearthLib.defaults.onCalendar;
      description = "When the daily sync starts (systemd.time(7)).";
    };

    randomizedDelaySec = mkOption {
      type = types.either types.ints.unsigned types.str;
      default = hearthLib.defaults.randomizedDelaySec;
      description = "Random delay added to the daily sync.";
    };
  };

  config = mkIf cfg.enable {
    assertions = [{ assertion = cfg.package != null; message = packageMissing; }];

    home.packages = lib.optional (cfg.package != null) cfg.package;
    xdg.configFile."hearth/config.toml".source = configFile;

    systemd.user.services.hearth-sync = {
      Unit.Description = "hearth: dotfile sync round";
      Service = {
        Type = "oneshot";
        ExecStart = "${hearthBin} --config ${configPath} sync";
        Environment = [ "PATH=${lib.makeBinPath [ pkgs.git pkgs.openssh ]}" ];
        TimeoutStartSec = toString hearthLib.defaults.syncTimeoutSec;
        SyslogIdentifier = "hearth-sync";
        Nice = 10;
        UMask = "0022";
        # What a per-user manager can apply (internal/units processHardening).
        NoNewPrivileges = true;
        RestrictSUIDSGID = true;
        RestrictNamespaces = true;
        LockPersonality = true;
        RestrictRealtime = true;
        SystemCallArchitectures = "native";
        RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" ];
      };
    };

    systemd.user.timers.hearth-sync = {
      Unit.Description = "hearth: daily dotfile sync";
      Timer = {
        OnCalendar = cfg.onCalendar;
        RandomizedDelaySec = cfg.randomizedDelaySec;
        Persistent = true;
      };
      Install.WantedBy = [ "timers.target" ];
    };
  };
}
