# NixOS module for hearth: services.hearth.*.
#
# settings is hearth's TOML config (docs/config-reference.md), freeform with
# typed options for the common keys; it is rendered by ./lib.nix (the same
# function the Go tests evaluate) and checked at build time with
# `hearth config check`. The units mirror `hearth units` (internal/units).
{ config, lib, pkgs, ... }:

let
  cfg = config.services.hearth;
  hearthLib = import ./lib.nix;
  toml = pkgs.formats.toml { };
  inherit (lib) mkOption mkEnableOption mkIf types literalExpression optional optionals optionalAttrs;

  rendered = pkgs.writeText "hearth-config.toml" (hearthLib.renderSettings cfg.settings);

  # The file only reaches /etc if hearth itself accepts it.
  configFile = pkgs.runCommand "hearth-config-checked.toml" { nativeBuildInputs = [ cfg.package ]; } ''
    export HOME=$TMPDIR
    hearth config check ${rendered} > /dev/null
    cp ${rendered} $out
  '';

  hearth = args: "${cfg.package}/bin/hearth --config /etc/hearth/config.toml ${args}";

  aliasPackages = lib.mapAttrsToList
    (name: args: pkgs.writeShellScriptBin name ''
      exec ${cfg.package}/bin/hearth --config /etc/hearth/config.toml ${lib.escapeShellArgs args} "$@"
    '')
    hearthLib.aliases;

  nullOr = t: default: description: mkOption { type = types.nullOr t; inherit default description; };

  syncEnabled = cfg.settings.dotfiles.remote != null;
  upgradeEnabled = cfg.settings.system.remote != null;
  secretsEnabled = (cfg.settings.secrets.secret or [ ]) != [ ];

  # Options that only let a unit work on files (see internal/units).
  strictHardening = {
    NoNewPrivileges = true;
    PrivateTmp = true;
    PrivateDevices = true;
    ProtectKernelTunables = true;
    ProtectKernelModules = true;
    ProtectKernelLogs = true;
    ProtectControlGroups = true;
    ProtectClock = true;
    ProtectHostname = true;
    RestrictSUIDSGID = true;
    RestrictNamespaces = true;
    LockPersonality = true;
    RestrictRealtime = true;
    SystemCallArchitectures = "native";
  };

  # Activation and local nix builds need most of the system: /etc, the boot
  # loader, setuid wrappers, namespaces, personality() for i686 builds.
  activationHardening = {
    RestrictRealtime = true;
    ProtectKernelLogs = true;
  };
in
{
  options.services.hearth = {
    enable = mkEnableOption "hearth: dotfile sync, system upgrades, golden-generation boot rollback and SOPS/age secrets through git";

    package = mkOption {
      type = types.package;
      default = pkgs.hearth;
      defaultText = literalExpression "pkgs.hearth";
      description = "The hearth package (the flake's overlay provides pkgs.hearth).";
    };

    settings = mkOption {
      description = ''
        hearth's configuration, rendered to /etc/hearth/config.toml. Any key of
        docs/config-reference.md may be set; unset (null) keys take hearth's defaults.
      '';
      default = { };
      example = literalExpression ''
        {
          dotfiles.remote = "git@github.com:me/dotfiles.git";
          system.remote = "git@github.com:me/nix-config.git";
          boot.check = [ { name = "ssh"; unit = "sshd.service"; } ];
        }
      '';
      type = types.submodule {
        freeformType = toml.type;
        options = {
          host = mkOption {
            type = types.str;
            default = config.networking.hostName;
            defaultText = literalExpression "config.networking.hostName";
            description = "This host's name.";
          };
          metrics_file = nullOr types.path null "Prometheus textfile written after every run.";
          dotfiles = mkOption {
            default = { };
            description = "Dotfile sync.";
            type = types.submodule {
              freeformType = toml.type;
              options = {
                remote = nullOr types.str null "Git URL of the dotfiles repository; null turns dotfile sync off.";
                branch = nullOr types.str null "Branch to sync (hearth's default: main).";
                conflict_policy = nullOr (types.enum [ "newest" "remote" "local" ]) null "Winner of overlapping edits.";
              };
            };
          };
          system = mkOption {
            default = { };
            description = "System upgrades.";
            type = types.submodule {
              freeformType = toml.type;
              options = {
                remote = nullOr types.str null "Git URL of the nix-config repository; null turns upgrades off.";
                branch = nullOr types.str null "Branch to deploy (hearth's default: main).";
                attr = mkOption {
                  type = types.nullOr types.str;
                  default = if cfg.settings.system.remote != null
                    then "nixosConfigurations.${config.networking.hostName}.config.system.build.toplevel" else null;
                  defaultText = literalExpression ''"nixosConfigurations.''${config.networking.hostName}.config.system.build.toplevel" when remote is set'';
                  description = "Flake attribute to build.";
                };
                operation = nullOr (types.enum [ "switch" "boot" ]) null "switch (activate now) or boot (at the next boot).";
                allowed_signers = nullOr types.path null "SSH allowed-signers file; only signed commits deploy.";
              };
            };
          };
          boot = mkOption {
            default = { };
            description = "Boot validation and golden generation.";
            type = types.submodule {
              freeformType = toml.type;
              options = {
                max_attempts = nullOr types.ints.positive null "Failed boots before rolling back to golden (hearth's default: 2).";
                timeout = nullOr types.str null "How long the boot check waits for the required checks (Go duration).";
              };
            };
          };
          secrets = mkOption {
            default = { };
            description = "SOPS/age secrets.";
            type = types.submodule {
              freeformType = toml.type;
              options = {
                age_key_file = nullOr types.str null "age identities used to decrypt.";
                root = nullOr types.str null "Where secrets appear (hearth's default: /run/secrets).";
              };
            };
          };
        };
      };
    };

    syncUser = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "rain";
      description = "The user whose dotfiles are synced; required when settings.dotfiles.remote is set.";
    };

    onCalendar = mkOption {
      type = types.str;
      default = hearthLib.defaults.onCalendar;
      description = "When the daily run (dotfile sync, then upgrade) starts (systemd.time(7)).";
    };

    randomizedDelaySec = mkOption {
      type = types.either types.ints.unsigned types.str;
      default = hearthLib.defaults.randomizedDelaySec;
      description = "Random delay added to the daily run, so a fleet does not pull at the same second.";
    };

    bootCheck.enable = mkOption {
      type = types.bool;
      default = upgradeEnabled || (cfg.settings.boot.check or [ ]) != [ ];
      defaultText = literalExpression "settings.system.remote != null || settings.boot.check != [ ]";
      description = "Validate every boot after multi-user.target and roll back to golden when it fails.";
    };

    bootCheck.deadline = mkOption {
      type = types.str;
      default = "10min";
      description = "TimeoutStartSec of the boot check: longer than boot.timeout plus boot.sustain.";
    };

    upgradeTimeout = mkOption {
      type = types.str;
      default = "2h";
      description = "TimeoutStartSec of the upgrade: longer than system.build_timeout plus system.confirm_timeout.";
    };

    aliases = mkOption {
      type = types.bool;
      default = true;
      description = "Install the original setup's command names (chezmoi-sync, show-golden, ...) as wrappers.";
    };
  };

  config = mkIf cfg.enable {
    assertions = [{
      assertion = !syncEnabled || cfg.syncUser != null;
      message = "services.hearth.syncUser must name the user whose dotfiles are synced (settings.dotfiles.remote is set).";
    }];

    environment.etc."hearth/config.toml".source = configFile;
    environment.systemPackages = [ cfg.package ] ++ optionals cfg.aliases aliasPackages;

    # Secrets on every activation, which on NixOS includes every boot (stage 2
    # runs the activation script before systemd starts services), after users
    # and groups exist so owners resolve. A failure keeps the previous
    # generation and must not abort the rest of the activation.
    system.activationScripts.hearth-secrets = mkIf secretsEnabled {
      deps = [ "users" "groups" ];
      text = ''
        ${hearth "secrets install"} || echo "hearth: secrets install failed; the previous secrets stay in place" >&2
      '';
    };

    systemd.services = {
      # For re-installing by hand (systemctl start hearth-secrets) with the
      # same sandbox `hearth units` uses.
      hearth-secrets = mkIf secretsEnabled {
        description = "hearth: install SOPS/age secrets";
        restartTriggers = [ configFile ];
        serviceConfig = strictHardening // {
          Type = "oneshot";
          ExecStart = hearth "secrets install";
          SyslogIdentifier = "hearth-secrets";
          StateDirectory = "hearth";
          UMask = "0077";
          ReadWritePaths = [ (builtins.dirOf (cfg.settings.secrets.root or "/run/secrets")) ];
          ProtectSystem = "strict";
          ProtectHome = "read-only";
          PrivateNetwork = true;
          RestrictAddressFamilies = [ "AF_UNIX" ];
          CapabilityBoundingSet = [ "CAP_CHOWN" "CAP_FOWNER" "CAP_DAC_OVERRIDE" "CAP_DAC_READ_SEARCH" ];
          MemoryDenyWriteExecute = true;
          SystemCallFilter = [ "@system-service" ];
          SystemCallErrorNumber = "EPERM";
        };
      };

      hearth-sync = mkIf syncEnabled {
        description = "hearth: dotfile sync round";
        wants = [ "network-online.target" ];
        after = [ "network-online.target" ];
        path = [ pkgs.git pkgs.openssh ];
        restartIfChanged = false;
        serviceConfig = strictHardening // {
          Type = "oneshot";
          User = cfg.syncUser;
          ExecStart = hearth "sync";
          TimeoutStartSec = "15min";
          SyslogIdentifier = "hearth-sync";
          Nice = 10;
          UMask = "0022";
          ProtectSystem = "strict";
          ReadWritePaths = [ "%h" ];
          RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" ];
          CapabilityBoundingSet = "";
        };
      };

      hearth-upgrade = mkIf upgradeEnabled {
        description = "hearth: system upgrade round (fetch, verify, build, activate, confirm)";
        aliases = [ hearthLib.defaults.upgradeAlias ];
        wants = [ "network-online.target" ] ++ optional syncEnabled "hearth-sync.service";
        after = [ "network-online.target" ] ++ optional syncEnabled "hearth-sync.service";
        path = [ config.nix.package pkgs.git pkgs.openssh config.systemd.package ];
        # The upgrade activates a new system; restarting it then would kill the
        # switch it is running.
        restartIfChanged = false;
        stopIfChanged = false;
        serviceConfig = activationHardening // {
          Type = "oneshot";
          ExecStart = hearth "upgrade";
          TimeoutStartSec = cfg.upgradeTimeout;
          SyslogIdentifier = "hearth-upgrade";
          StateDirectory = "hearth";
          Nice = 10;
          IOSchedulingClass = "idle";
        };
      };

      hearth-boot-check = mkIf cfg.bootCheck.enable {
        description = "hearth: validate this boot (golden generation)";
        wantedBy = [ "multi-user.target" ];
        wants = [ "network-online.target" ];
        after = [ "multi-user.target" "network-online.target" ];
        path = [ config.nix.package config.systemd.package ];
        restartIfChanged = false;
        stopIfChanged = false;
        serviceConfig = activationHardening // {
          Type = "oneshot";
          RemainAfterExit = true;
          ExecStart = hearth "boot check";
          TimeoutStartSec = cfg.bootCheck.deadline;
          SyslogIdentifier = "golden-generation";
          StateDirectory = "hearth";
        };
      };
    };

    systemd.timers = optionalAttrs (upgradeEnabled || syncEnabled) {
      "hearth-${if upgradeEnabled then "upgrade" else "sync"}" = {
        description = "hearth: daily ${if upgradeEnabled then "dotfile sync, then system upgrade" else "dotfile sync"}";
        wantedBy = [ "timers.target" ];
        timerConfig = {
          OnCalendar = cfg.onCalendar;
          RandomizedDelaySec = cfg.randomizedDelaySec;
          Persistent = true;
        };
      };
    };
  };
}
