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
  # What a per-user manager can apply (internal/units processHardening),
  # shared by the sync round and the watcher.
  sandbox = {
    Environment = [ "PATH=${lib.makeBinPath [ pkgs.git pkgs.openssh ]}" ];
    Nice = 10;
    UMask = "0022";
    NoNewPrivileges = true;
    RestrictSUIDSGID = true;
    RestrictNamespaces = true;
    LockPersonality = true;
    RestrictRealtime = true;
    SystemCallArchitectures = "native";
  };
in
{
  options.services.hearth = {
    enable = mkEnableOption "hearth dotfile sync for this home (a systemd user unit and its daily timer, or the live watcher)";

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

    dotfiles.watch.enable = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Sync live: run `hearth watch` as the user unit hearth-watch.service, which syncs
        seconds after an edit in home and polls the remote; the daily timer is then not
        installed (see dotfiles.watch.keepTimer). For always-on machines with a session;
        keep the timer alone on battery or metered hosts.'';
    };

    dotfiles.watch.keepTimer = mkOption {
      type = types.bool;
      default = false;
      description = "With dotfiles.watch.enable, keep the daily sync timer too.";
    };
  };

  config = mkIf cfg.enable {
    assertions = [{ assertion = cfg.package != null; message = packageMissing; }];

    home.packages = lib.optional (cfg.package != null) cfg.package;
    xdg.configFile."hearth/config.toml".source = configFile;

    systemd.user.services.hearth-sync = {
      Unit.Description = "hearth: dotfile sync round";
      Service = sandbox // {
        Type = "oneshot";
        ExecStart = "${hearthBin} --config ${configPath} sync";
        TimeoutStartSec = toString hearthLib.defaults.syncTimeoutSec;
        SyslogIdentifier = "hearth-sync";
        RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" ];
      };
    };

    # The live sync, as `hearth units --user --dotfiles-watch` writes it. A
    # changed config restarts it (it stops at a safe point);
    # `systemctl --user reload hearth-watch` re-reads it in place.
    systemd.user.services.hearth-watch = mkIf cfg.dotfiles.watch.enable {
      Unit = {
        Description = "hearth: live dotfile sync (watch home and the remote)";
        StartLimitIntervalSec = 0;
        X-Restart-Triggers = [ "${configFile}" ];
      };
      Service = sandbox // {
        Type = "simple";
        ExecStart = "${hearthBin} --config ${configPath} watch";
        ExecReload = "${pkgs.coreutils}/bin/kill -HUP $MAINPID";
        Restart = "on-failure";
        RestartSec = hearthLib.defaults.watchRestartSec;
        TimeoutStopSec = hearthLib.defaults.watchStopTimeoutSec;
        SuccessExitStatus = "130";
        SyslogIdentifier = "hearth-watch";
        # AF_NETLINK: to hear that the network is back; AF_UNIX: the
        # session bus for desktop notifications.
        RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" "AF_NETLINK" ];
      };
      Install.WantedBy = [ "default.target" ];
    };

    systemd.user.timers.hearth-sync = mkIf (!cfg.dotfiles.watch.enable || cfg.dotfiles.watch.keepTimer) {
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
