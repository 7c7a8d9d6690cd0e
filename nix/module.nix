# NixOS module for hearth: services.hearth.*.
#
# settings is hearth's TOML config (docs/config-reference.md), freeform with
# typed options for the common keys; it is rendered by ./lib.nix (the same
# function the Go tests evaluate) and checked at build time with
# `hearth config check`. The units mirror `hearth units` (internal/units);
# secrets are installed by units, never by an activation script.
# docs/nixos-module.md is generated from these options.
{ config, lib, pkgs, options, ... }:

let
  cfg = config.services.hearth;
  hearthLib = import ./lib.nix;
  toml = pkgs.formats.toml { };
  inherit (lib) mkOption mkEnableOption mkIf types literalExpression optional optionals optionalAttrs
    mapAttrsToList filterAttrs attrValues concatMap filter hasSuffix removeSuffix unique;

  packageMissing = ''
    services.hearth.package is null: this pkgs has no `hearth` attribute. Import the flake's
    nixosModules.default (it brings its own package), add the flake's overlays.default to
    nixpkgs.overlays, or set services.hearth.package.'';
  hearthBin = if cfg.package == null then throw packageMissing else "${cfg.package}/bin/hearth";
  hearth = configPath: args: "${hearthBin} --config /etc/${configPath} ${args}";

  aliasPackages = lib.mapAttrsToList
    (name: args: pkgs.writeShellScriptBin name ''
      exec ${hearthBin} --config /etc/hearth/config.toml ${lib.escapeShellArgs args} "$@"
    '')
    hearthLib.aliases;

  nullOr = t: default: description: mkOption { type = types.nullOr t; inherit default description; };
  duration = types.strMatching hearthLib.goDurationRegex // { description = ''Go duration string ("90s", "1h30m")''; };
  isSet = v: v != null;

  # --- secrets -------------------------------------------------------------

  secretsRoot = if isSet cfg.settings.secrets.root then cfg.settings.secrets.root else "/run/secrets";
  usersSecretsRoot = "/run/secrets-for-users";
  secretList = attrValues cfg.secrets;
  systemSecrets = filter (s: !s.neededForUsers) secretList;
  usersSecrets = filter (s: s.neededForUsers) secretList;

  # A typed secret as hearth's [[secrets.secret]] entry. restart/reload are
  # not hearth's to do here: the listed units carry the entry as a trigger,
  # and switch-to-configuration restarts them after the secrets unit.
  secretEntry = s: {
    inherit (s) name key format owner mode;
    sops_file = s.sopsFile;
  } // optionalAttrs (s.group != null) { inherit (s) group; };

  # services.hearth.hooks as hearth's [hooks] section (only the hooks set).
  hookKeys = { onFailure = "on_failure"; onSuccess = "on_success"; postDeploy = "post_deploy"; onConflict = "on_conflict"; };
  hookSettings = lib.mapAttrs' (opt: key: lib.nameValuePair key cfg.hooks.${opt}) (filterAttrs (opt: _: cfg.hooks.${opt} != null) hookKeys)
    // optionalAttrs (cfg.hooks.timeout != null) { inherit (cfg.hooks) timeout; };

  mainSettings = lib.recursiveUpdate cfg.settings ({
    secrets.secret = (cfg.settings.secrets.secret or [ ]) ++ map secretEntry systemSecrets;
  } // optionalAttrs (hookSettings != { }) { hooks = hookSettings; });
  secretsEnabled = mainSettings.secrets.secret != [ ];

  # Installed before users exist: only what decrypting needs from the main
  # config, and its own root.
  usersSettings = {
    inherit (cfg.settings) host;
    secrets = filterAttrs (n: _: lib.elem n [ "age_key_file" "ssh_host_key_file" "keep" ]) cfg.settings.secrets // {
      root = usersSecretsRoot;
      secret = map secretEntry usersSecrets;
    };
  } // optionalAttrs (cfg.settings ? state_dir) { inherit (cfg.settings) state_dir; };

  secretsUnitOf = s: if s.neededForUsers then "hearth-secrets-for-users.service" else "hearth-secrets.service";
  # Units that read a secret: ordered after its unit, and restarted or
  # reloaded by a switch that changes the secret.
  consumerDefs = concatMap
    (s:
      map (u: { ${removeSuffix ".service" u} = { after = [ (secretsUnitOf s) ]; wants = [ (secretsUnitOf s) ]; restartTriggers = [ (builtins.toJSON (secretEntry s)) ]; }; }) s.restartUnits
      ++ map (u: { ${removeSuffix ".service" u} = { after = [ (secretsUnitOf s) ]; wants = [ (secretsUnitOf s) ]; reloadTriggers = [ (builtins.toJSON (secretEntry s)) ]; }; }) s.reloadUnits)
    secretList;

  usersCreatedByUnits = (config.systemd.sysusers.enable or false) || (config.services.userborn.enable or false);

  # --- configs -------------------------------------------------------------

  # A config file only reaches /etc if hearth itself accepts it.
  checked = name: text:
    let rendered = pkgs.writeText "hearth-${name}" text; in
    pkgs.runCommand "hearth-${name}-checked" { nativeBuildInputs = optional (cfg.package != null) cfg.package; } ''
      export HOME=$TMPDIR
      hearth config check ${rendered} > /dev/null
      cp ${rendered} $out
    '';

  userConfigPath = name: "hearth/dotfiles/${name}.toml";
  userSettings = name: u: lib.recursiveUpdate ({ inherit (cfg.settings) host; } // u.settings) {
    dotfiles.remote = u.remote;
  };

  configTexts = { "hearth/config.toml" = hearthLib.renderSettings mainSettings; }
    // optionalAttrs (usersSecrets != [ ]) { "hearth/secrets-for-users.toml" = hearthLib.renderSettings usersSettings; }
    // lib.mapAttrs' (name: u: lib.nameValuePair (userConfigPath name) (hearthLib.renderSettings (userSettings name u))) cfg.dotfiles.users;
  configFiles = lib.mapAttrs (path: checked (baseNameOf path)) configTexts;

  # --- sync ----------------------------------------------------------------

  homeOf = name: config.users.users.${name}.home or "/home/${name}";

  # A dotfiles remote on a local path is written by every push.
  localRemote = remote:
    let m = builtins.match "(file://)?(/.*)" remote; in optional (m != null) (builtins.elemAt m 1);
  metricsDirs = s: optional (isSet (s.metrics_file or null)) (dirOf s.metrics_file);

  # One sync unit per user: the syncUser shorthand keeps hearth-sync.service
  # and the main config; dotfiles.users.<name> get hearth-sync-<name>.service.
  syncJobs =
    optional (isSet cfg.settings.dotfiles.remote && isSet cfg.syncUser) {
      unit = "hearth-sync";
      watchUnit = "hearth-watch";
      user = cfg.syncUser;
      home = homeOf cfg.syncUser;
      configPath = "hearth/config.toml";
      settings = mainSettings;
    }
    ++ mapAttrsToList (name: u: {
      unit = "hearth-sync-${name}";
      watchUnit = "hearth-watch-${name}";
      user = name;
      inherit (u) home;
      configPath = userConfigPath name;
      settings = userSettings name u;
    }) cfg.dotfiles.users;
  syncEnabled = syncJobs != [ ];

  writableFor = job:
    let s = job.settings; d = s.dotfiles or { }; in
    unique ([ job.home ]
      ++ filter (p: isSet p && lib.hasPrefix "/" p) [ (s.state_dir or null) (d.source_dir or null) (d.target_dir or null) ]
      # "-": a missing directory must not stop the unit; hearth names it.
      ++ map (p: "-" + p) (metricsDirs s ++ localRemote (d.remote or "")));

  # The sandbox of every unit that syncs a user's dotfiles (a round or the
  # watcher): as that user, writing its home (state in ~/.local/state/hearth
  # unless state_dir says otherwise), the metrics and a local remote. %h
  # would be root's home in a system unit.
  syncSandbox = job: strictHardening // {
    User = job.user;
    Nice = 10;
    UMask = "0022";
    ProtectSystem = "strict";
    ReadWritePaths = writableFor job;
    CapabilityBoundingSet = "";
  };

  syncUnit = job: {
    description = "hearth: dotfile sync round for ${job.user}";
    wants = [ "network-online.target" ];
    after = [ "network-online.target" ];
    path = [ pkgs.git pkgs.openssh ];
    restartIfChanged = false;
    # User= sets HOME from the user database; saying it keeps a sync that
    # names ~ working where the database entry is odd (nobody: /var/empty).
    environment.HOME = job.home;
    serviceConfig = syncSandbox job // {
      Type = "oneshot";
      ExecStart = hearth job.configPath "sync";
      TimeoutStartSec = toString hearthLib.defaults.syncTimeoutSec;
      SyslogIdentifier = "hearth-sync";
      RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" ];
    };
  };

  # The live dotfile sync (hearth watch), as `hearth units --dotfiles-watch`
  # writes it: restarted after a crash, never given up on (it backs off
  # from an unreachable remote itself); a changed config is reloaded with
  # SIGHUP, not by a restart in the middle of a round.
  watchEnabled = cfg.dotfiles.watch.enable && syncEnabled;
  watchUnit = job: {
    description = "hearth: live dotfile sync for ${job.user}";
    wantedBy = [ "multi-user.target" ];
    wants = [ "network-online.target" ];
    after = [ "network-online.target" ];
    path = [ pkgs.git pkgs.openssh ];
    environment.HOME = job.home;
    startLimitIntervalSec = 0;
    restartIfChanged = true; # a new hearth binary
    reloadTriggers = [ configFiles.${job.configPath} ];
    serviceConfig = syncSandbox job // {
      Type = "simple";
      ExecStart = hearth job.configPath "watch";
      ExecReload = "${pkgs.coreutils}/bin/kill -HUP $MAINPID";
      Restart = "on-failure";
      RestartSec = hearthLib.defaults.watchRestartSec;
      TimeoutStopSec = hearthLib.defaults.watchStopTimeoutSec;
      SuccessExitStatus = "130";
      SyslogIdentifier = "hearth-watch";
      # AF_NETLINK: to hear that the network is back; AF_UNIX: the session
      # bus for desktop notifications.
      RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" "AF_NETLINK" ];
    };
  };

  # --- upgrade, boot check -------------------------------------------------

  upgradeEnabled = isSet cfg.settings.system.remote;

  # StateDirectory= where the state dir is under /var/lib, else a writable path.
  stateDir = if isSet (cfg.settings.state_dir or null) then cfg.settings.state_dir else "/var/lib/hearth";
  stateRel = lib.removePrefix "/var/lib/" stateDir;
  stateUnderVarLib = lib.hasPrefix "/var/lib/" stateDir && stateRel != "";
  stateConfig = optionalAttrs stateUnderVarLib { StateDirectory = stateRel; StateDirectoryMode = "0755"; };
  stateWritable = optional (!stateUnderVarLib) stateDir;

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

  # Decryption is offline: no network, only chown/chmod of the secrets and
  # reading root-only key files.
  secretsUnit = { description, configPath, root, after, before, restartTrigger, extraService ? { } }: {
    inherit description;
    wantedBy = [ "sysinit.target" ];
    inherit after;
    before = before ++ [ "shutdown.target" ];
    conflicts = [ "shutdown.target" ];
    # Restarted by a switch whose config changed: it installs the new
    # generation; the units whose secret changed restart after it.
    restartTriggers = [ restartTrigger ];
    # restart_units given in settings.secrets.secret run systemctl.
    path = [ config.systemd.package ];
    unitConfig.DefaultDependencies = "no";
    serviceConfig = strictHardening // stateConfig // {
      Type = "oneshot";
      RemainAfterExit = true;
      ExecStart = hearth configPath "secrets install";
      TimeoutStartSec = toString hearthLib.defaults.secretsTimeoutSec;
      SyslogIdentifier = "hearth-secrets";
      UMask = "0077";
      ReadWritePaths = [ (dirOf root) ] ++ stateWritable ++ map (p: "-" + p) (metricsDirs cfg.settings);
      ProtectSystem = "strict";
      ProtectHome = "read-only";
      PrivateNetwork = true;
      RestrictAddressFamilies = [ "AF_UNIX" ];
      CapabilityBoundingSet = [ "CAP_CHOWN" "CAP_FOWNER" "CAP_DAC_OVERRIDE" "CAP_DAC_READ_SEARCH" ];
      MemoryDenyWriteExecute = true;
      SystemCallFilter = [ "@system-service" ];
      SystemCallErrorNumber = "EPERM";
    } // extraService;
  };

  # GRUB has no boot assessment of its own: with settings.boot.loader = "grub"
  # grub.cfg counts boot_counter down (hearth sets it on a deployed
  # generation) and boots grubFallbackEntry once no tries are left. Only
  # where the NixOS GRUB module is present.
  grubCounting = (cfg.settings.boot.loader or null) == "grub";
  # 2 is internal/config.DefaultMaxAttempts.
  grubMaxTries = if isSet (cfg.settings.boot.max_attempts or null) then cfg.settings.boot.max_attempts else 2;
  grubConfig = optionalAttrs (lib.hasAttrByPath [ "boot" "loader" "grub" "extraConfig" ] options) {
    boot.loader.grub.extraConfig = mkIf grubCounting (hearthLib.grubSnippet grubMaxTries cfg.grubFallbackEntry);
  };

  hookOption = when: example: mkOption {
    type = types.nullOr (types.nonEmptyListOf types.str);
    default = null;
    description = ''
      Command (argv; the program an absolute path such as a store path) run ${when}, as the
      unit's user, with the event in HEARTH_* variables (docs/config-reference.md, [hooks]).
      Goes to the main config (/etc/hearth/config.toml); a dotfiles.users.<name> sync sets its
      own in settings.hooks.'';
  } // optionalAttrs (example != null) { example = literalExpression example; };

  # The units services.hearth.onFailureUnits is wired to.
  hearthUnits = optionals (cfg.onFailureUnits != [ ]) (
    optional secretsEnabled "hearth-secrets"
    ++ optional (usersSecrets != [ ]) "hearth-secrets-for-users"
    ++ optional upgradeEnabled "hearth-upgrade"
    ++ optional cfg.bootCheck.enable "hearth-boot-check"
    ++ map (j: j.unit) syncJobs
    ++ optionals watchEnabled (map (j: j.watchUnit) syncJobs));

  timeoutOr = override: derived: toString (if override != null then override else derived);

  # --- option types --------------------------------------------------------

  secretType = types.submodule ({ name, config, ... }: {
    options = {
      name = mkOption {
        type = types.strMatching "[A-Za-z0-9_][A-Za-z0-9_.@-]*";
        default = name;
        defaultText = literalExpression "<name>";
        description = "File name under the secrets root (hearth allows letters, digits and `_ . @ -`; no `/`).";
      };
      key = mkOption {
        type = types.str;
        default = name;
        defaultText = literalExpression "<name>";
        description = "Path of the value in the sops file, `a/b/c` for nested keys; empty for the whole file.";
      };
      sopsFile = mkOption {
        type = types.nullOr types.path;
        default = cfg.defaultSopsFile;
        defaultText = literalExpression "config.services.hearth.defaultSopsFile";
        description = "The sops-encrypted file holding the secret (a nix path is copied to the store).";
      };
      format = mkOption {
        type = types.enum [ "yaml" "json" "dotenv" "binary" ];
        default = "yaml";
        description = "Format of the sops file.";
      };
      owner = mkOption {
        type = types.str;
        default = "root";
        description = "User owning the installed file.";
      };
      group = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = "Group of the installed file; null: the owner's primary group.";
      };
      mode = mkOption {
        type = types.strMatching "0?[0-7]{3}";
        default = "0400";
        description = "Permissions of the installed file (octal string).";
      };
      path = mkOption {
        type = types.str;
        readOnly = true;
        default = "${if config.neededForUsers then usersSecretsRoot else secretsRoot}/${config.name}";
        defaultText = literalExpression ''"''${settings.secrets.root}/<name>" (or /run/secrets-for-users/<name>)'';
        description = "Where the secret appears; read it from other modules as `config.services.hearth.secrets.<name>.path`.";
      };
      restartUnits = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "wpa_supplicant.service" ];
        description = "Services started after the secret is installed and restarted by a switch that changes it.";
      };
      reloadUnits = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "nginx.service" ];
        description = "Services started after the secret is installed and reloaded by a switch that changes it.";
      };
      neededForUsers = mkOption {
        type = types.bool;
        default = false;
        description = ''
          Install the secret before users are created (under /run/secrets-for-users), for
          users.users.<name>.hashedPasswordFile. Needs systemd.sysusers.enable or
          services.userborn.enable; the owner must be root.'';
      };
    };
  });

  syncUserType = types.submodule ({ name, ... }: {
    options = {
      remote = mkOption {
        type = types.str;
        description = "Git URL (or local path) of this user's dotfiles repository.";
      };
      home = mkOption {
        type = types.str;
        default = homeOf name;
        defaultText = literalExpression ''config.users.users.<name>.home or "/home/<name>"'';
        description = "The user's home: HOME of the sync unit and the directory it may write.";
      };
      settings = mkOption {
        default = { };
        description = ''
          This user's hearth config (/etc/hearth/dotfiles/<name>.toml), any key of
          docs/config-reference.md; host defaults to the system's, dotfiles.remote is `remote`.'';
        type = types.submodule {
          freeformType = toml.type;
          options.dotfiles = mkOption {
            default = { };
            description = "Dotfile sync settings of this user.";
            type = types.submodule {
              freeformType = toml.type;
              options = {
                branch = nullOr types.str null "Branch to sync (hearth's default: main).";
                conflict_policy = nullOr (types.enum [ "newest" "remote" "local" ]) null "Winner of overlapping edits.";
              };
            };
          };
        };
      };
    };
  });
in
{
  options.services.hearth = {
    enable = mkEnableOption "hearth: dotfile sync, system upgrades, golden-generation boot rollback and SOPS/age secrets through git";

    package = mkOption {
      type = types.nullOr types.package;
      default = pkgs.hearth or null;
      defaultText = literalExpression "pkgs.hearth or null (the flake's nixosModules.default: its own package)";
      description = "The hearth package.";
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
                remote = nullOr types.str null "Git URL of the dotfiles repository synced as syncUser; null turns that sync off.";
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
                build_timeout = nullOr duration null "Longest build (Go duration; hearth's default: 1h). The upgrade unit's deadline follows it.";
                confirm_timeout = nullOr duration null "How long a switched system must stay healthy (hearth's default: 2m).";
                activation_timeout = nullOr duration null "Longest switch-to-configuration (hearth's default: 10m).";
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
                timeout = nullOr duration null "How long the boot check waits for the required checks (hearth's default: 5m).";
                sustain = nullOr duration null "How long the checks must keep passing (hearth's default: 30s).";
                loader = nullOr (types.enum [ "auto" "systemd-boot" "grub" "none" ]) null
                  "Boot loader whose tries counter hearth sets on a deployed generation and settles after the boot check (hearth's default: auto, which finds systemd-boot only; grub also installs services.hearth.grubFallbackEntry's countdown in grub.cfg).";
                esp = nullOr types.str null "Where the ESP (or /boot) is mounted; null: hearth looks in /boot, /efi, /boot/efi.";
              };
            };
          };
          secrets = mkOption {
            default = { };
            description = "SOPS/age secrets (see also services.hearth.secrets).";
            type = types.submodule {
              freeformType = toml.type;
              options = {
                age_key_file = nullOr types.str null "age identities used to decrypt.";
                ssh_host_key_file = nullOr types.str null "OpenSSH host key used as an age identity.";
                root = nullOr types.str null "Where secrets appear (hearth's default: /run/secrets).";
              };
            };
          };
        };
      };
    };

    secrets = mkOption {
      type = types.attrsOf secretType;
      default = { };
      example = literalExpression ''
        {
          "wifi.psk" = { sopsFile = ./secrets/host.yaml; key = "wifi/home"; restartUnits = [ "wpa_supplicant.service" ]; };
          rain-password = { neededForUsers = true; };
        }
      '';
      description = ''
        SOPS secrets, typed like sops-nix's sops.secrets: each becomes a [[secrets.secret]]
        of the config, installed by hearth-secrets.service early at boot (before
        sysinit.target) and again by a switch that changes it.'';
    };

    defaultSopsFile = mkOption {
      type = types.nullOr types.path;
      default = null;
      description = "sopsFile of the secrets that do not name one.";
    };

    syncUser = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "rain";
      description = ''
        The user whose dotfiles settings.dotfiles.remote syncs (hearth-sync.service, the main
        config); a shorthand for one user. For several, use services.hearth.dotfiles.users.'';
    };

    dotfiles.users = mkOption {
      type = types.attrsOf syncUserType;
      default = { };
      example = literalExpression ''{ rain.remote = "git@github.com:rain/dotfiles.git"; }'';
      description = "Dotfile sync for several users: each its own remote, settings and unit hearth-sync-<name>.service.";
    };

    dotfiles.watch.enable = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Sync dotfiles live: every dotfile sync (syncUser, dotfiles.users) also runs
        `hearth watch` as hearth-watch.service (hearth-watch-<name>.service), which syncs
        seconds after an edit in home and polls the remote (dotfiles.poll_interval). The
        daily dotfile sync timer is then not installed (see dotfiles.watch.keepTimer); an
        upgrade's daily timer stays and still syncs first. For always-on machines with a
        session; keep the timer alone on servers and on battery or metered hosts.'';
    };

    dotfiles.watch.keepTimer = mkOption {
      type = types.bool;
      default = false;
      description = "With dotfiles.watch.enable, keep the daily dotfile sync timer too.";
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

    grubFallbackEntry = mkOption {
      type = types.str;
      default = "NixOS - Profile 'hearth-golden'>0";
      description = ''
        With settings.boot.loader = "grub": the GRUB menu entry (title path, id or number, as
        GRUB's `default`) booted once the new generation has no tries left in grubenv; by
        default the golden profile's entry.'';
    };

    bootCheck.deadline = mkOption {
      type = types.nullOr (types.either types.ints.positive types.str);
      default = null;
      description = "TimeoutStartSec of the boot check; null: boot.timeout + boot.sustain + 2 minutes, as `hearth units` derives it.";
    };

    upgradeTimeout = mkOption {
      type = types.nullOr (types.either types.ints.positive types.str);
      default = null;
      description = ''
        TimeoutStartSec of the upgrade; null: system.build_timeout + confirm_timeout +
        2 × activation_timeout + 15 minutes, as `hearth units` derives it.'';
    };

    hooks = {
      onFailure = hookOption "after every job run that failed" ''[ "''${pkgs.util-linux}/bin/logger" "-t" "hearth" "job failed" ]'';
      onSuccess = hookOption "after every job run that did not fail (no-op rounds too)" null;
      postDeploy = hookOption "after an upgrade that activated a new generation" null;
      onConflict = hookOption "after a dotfile sync that recorded conflicts" null;
      timeout = nullOr duration null "Deadline of one hook run, after which it and its process group are killed (hearth's default: 1m).";
    };

    onFailureUnits = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "notify-admin@%n.service" ];
      description = ''
        Units started when a hearth unit (upgrade, boot check, secrets, dotfile sync) fails: systemd's
        OnFailure= on each of them, independent of services.hearth.hooks.'';
    };

    aliases = mkOption {
      type = types.bool;
      default = true;
      description = "Install the original setup's command names (chezmoi-sync, show-golden, ...) as wrappers.";
    };

    configFiles = mkOption {
      type = types.attrsOf types.str;
      readOnly = true;
      internal = true;
      default = if cfg.enable then configTexts else { };
      description = "The TOML files the module writes, by their path under /etc (for tests).";
    };
  };

  config = mkIf cfg.enable ({
    assertions = [
      { assertion = cfg.package != null; message = packageMissing; }
      {
        assertion = !isSet cfg.settings.dotfiles.remote || isSet cfg.syncUser;
        message = "services.hearth.syncUser must name the user whose dotfiles are synced (settings.dotfiles.remote is set); for several users use services.hearth.dotfiles.users.<name>.";
      }
      {
        assertion = !(isSet cfg.syncUser && isSet cfg.settings.dotfiles.remote && cfg.dotfiles.users ? ${cfg.syncUser});
        message = "services.hearth.syncUser and services.hearth.dotfiles.users.${toString cfg.syncUser} both sync ${toString cfg.syncUser}'s dotfiles; keep one.";
      }
      {
        assertion = secretList == [ ] || isSet cfg.settings.secrets.age_key_file || isSet cfg.settings.secrets.ssh_host_key_file;
        message = "services.hearth.secrets: set services.hearth.settings.secrets.age_key_file or ssh_host_key_file (the identity that decrypts).";
      }
    ]
    ++ concatMap
      (n:
        let s = cfg.secrets.${n}; opt = "services.hearth.secrets.${builtins.toJSON n}"; plain = "services.hearth.secrets.${n}";
          o = if builtins.match "[A-Za-z0-9_-]+" n != null then plain else opt; in
        [
          { assertion = s.sopsFile != null; message = "${o}.sopsFile is not set and services.hearth.defaultSopsFile is null: say which sops file holds the secret."; }
          {
            assertion = !s.neededForUsers || usersCreatedByUnits;
            message = "${o}.neededForUsers needs users created by a unit (systemd.sysusers.enable or services.userborn.enable): otherwise NixOS creates users from an activation script, before any unit can install the secret.";
          }
          {
            assertion = !s.neededForUsers || (s.owner == "root" && (s.group == null || s.group == "root"));
            message = "${o}: a secret needed for users is installed before users exist, so its owner and group must be root.";
          }
        ]
        ++ map (u: { assertion = hasSuffix ".service" u; message = "${o}.restartUnits/reloadUnits: ${u} is not a .service unit; hearth restarts and reloads services only."; })
          (s.restartUnits ++ s.reloadUnits))
      (lib.attrNames cfg.secrets)
    ++ map (opt:
      let argv = cfg.hooks.${opt}; prog = if argv == null then "" else builtins.head argv; in {
        assertion = argv == null || lib.hasPrefix "/" prog;
        message = "services.hearth.hooks.${opt}: the program ${builtins.toJSON prog} must be an absolute path (e.g. \"\${pkgs.curl}/bin/curl\"): the build-time config check resolves no bare names.";
      }) (lib.attrNames hookKeys)
    ++ map (job: {
      assertion = job.home != "/var/empty";
      message = "services.hearth: ${job.user}'s home is /var/empty; dotfile sync needs a real home (users.users.${job.user}.home or services.hearth.dotfiles.users.${job.user}.home).";
    }) syncJobs;

    environment.etc = lib.mapAttrs (_: file: { source = file; }) configFiles;
    environment.systemPackages = optional (cfg.package != null) cfg.package ++ optionals cfg.aliases aliasPackages;

    systemd.services = lib.mkMerge ([
      {
        hearth-secrets = mkIf secretsEnabled (secretsUnit {
          description = "hearth: install SOPS/age secrets under ${secretsRoot}";
          configPath = "hearth/config.toml";
          root = secretsRoot;
          # Owners must resolve: after users exist, however they are created.
          after = [ "local-fs.target" "systemd-tmpfiles-setup.service" "systemd-sysusers.service" "userborn.service" ]
            ++ optional (usersSecrets != [ ]) "hearth-secrets-for-users.service";
          before = [ "sysinit.target" ];
          restartTrigger = configFiles."hearth/config.toml";
        });

        hearth-secrets-for-users = mkIf (usersSecrets != [ ]) (secretsUnit {
          description = "hearth: install the SOPS/age secrets users need under ${usersSecretsRoot}";
          configPath = "hearth/secrets-for-users.toml";
          root = usersSecretsRoot;
          after = [ "systemd-remount-fs.service" ];
          before = [ "systemd-sysusers.service" "userborn.service" "sysinit.target" ];
          restartTrigger = configFiles."hearth/secrets-for-users.toml";
          # PrivateTmp= orders a unit after systemd-tmpfiles-setup.service,
          # which runs after systemd-sysusers.service: a cycle with Before= above.
          extraService.PrivateTmp = false;
        });

        hearth-upgrade = mkIf upgradeEnabled {
          description = "hearth: system upgrade round (fetch, verify, build, activate, confirm)";
          aliases = [ hearthLib.defaults.upgradeAlias ];
          wants = [ "network-online.target" ] ++ map (j: "${j.unit}.service") syncJobs;
          after = [ "network-online.target" ] ++ map (j: "${j.unit}.service") syncJobs;
          path = [ config.nix.package pkgs.git pkgs.openssh config.systemd.package ];
          # The upgrade activates a new system; restarting it then would kill the
          # switch it is running.
          restartIfChanged = false;
          stopIfChanged = false;
          serviceConfig = activationHardening // stateConfig // {
            Type = "oneshot";
            ExecStart = hearth "hearth/config.toml" "upgrade";
            TimeoutStartSec = timeoutOr cfg.upgradeTimeout (hearthLib.upgradeTimeoutSec cfg.settings.system);
            SyslogIdentifier = "hearth-upgrade";
            Nice = 10;
            IOSchedulingClass = "idle";
          };
        };

        hearth-boot-check = mkIf cfg.bootCheck.enable {
          description = "hearth: validate this boot (golden generation)";
          wantedBy = [ "multi-user.target" ];
          # systemd-bless-boot runs after boot-complete.target: the loader's
          # entry is blessed only once hearth's required checks passed.
          requiredBy = [ "boot-complete.target" ];
          before = [ "boot-complete.target" ];
          wants = [ "network-online.target" ];
          after = [ "multi-user.target" "network-online.target" ];
          path = [ config.nix.package config.systemd.package ];
          restartIfChanged = false;
          stopIfChanged = false;
          serviceConfig = activationHardening // stateConfig // {
            Type = "oneshot";
            RemainAfterExit = true;
            ExecStart = hearth "hearth/config.toml" "boot check";
            # The deadline covers every check's timeout and the sustain window.
            TimeoutStartSec = timeoutOr cfg.bootCheck.deadline (hearthLib.bootCheckTimeoutSec cfg.settings.boot);
            SyslogIdentifier = "golden-generation";
          };
        };
      }
      (lib.listToAttrs (map (job: lib.nameValuePair job.unit (syncUnit job)) syncJobs))
      (lib.listToAttrs (map (job: lib.nameValuePair job.watchUnit (watchUnit job)) (optionals watchEnabled syncJobs)))
      (lib.genAttrs hearthUnits (_: { onFailure = cfg.onFailureUnits; }))
    ] ++ consumerDefs);

    # One daily timer: the upgrade's, which pulls in every dotfile sync
    # first; without an upgrade, each sync has its own, unless the watcher
    # syncs instead.
    systemd.timers =
      let
        timer = unit: what: {
          description = "hearth: daily ${what}";
          wantedBy = [ "timers.target" ];
          timerConfig = {
            OnCalendar = cfg.onCalendar;
            RandomizedDelaySec = cfg.randomizedDelaySec;
            # A host that was off at the scheduled time runs at the next boot.
            Persistent = true;
            Unit = "${unit}.service";
          };
        };
      in
      if upgradeEnabled then { hearth-upgrade = timer "hearth-upgrade" "dotfile sync, then system upgrade"; }
      else lib.listToAttrs (map (job: lib.nameValuePair job.unit (timer job.unit "dotfile sync for ${job.user}"))
        (optionals (!watchEnabled || cfg.dotfiles.watch.keepTimer) syncJobs));
  } // grubConfig);
}
