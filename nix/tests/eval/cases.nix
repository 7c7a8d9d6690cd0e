# The module evaluation matrix shared by nix/eval_test.go (against the
# nixos-eval kit) and the flake's checks.module-evaluation (against the real
# nixpkgs, ./checks.nix): configurations that must evaluate with no failed
# assertion and no warning, the lines each named unit must hold, the units
# that must not exist; and configurations that must be rejected.
let
  configs = {
    typedSecrets = {
      services.hearth.enable = true;
      services.hearth.settings.secrets.age_key_file = "/var/lib/sops-nix/key.txt";
      services.hearth.secrets.wifi = {
        sopsFile = "/etc/nixos/secrets/host.yaml";
        key = "wifi/home";
        owner = "rain";
        group = "users";
        mode = "0440";
        restartUnits = [ "wpa_supplicant.service" ];
      };
      services.hearth.secrets.api = {
        sopsFile = "/etc/nixos/secrets/shared.yaml";
        reloadUnits = [ "nginx.service" ];
      };
      users.users.rain.isNormalUser = true;
    };
    syncOnly = {
      services.hearth.enable = true;
      services.hearth.syncUser = "rain";
      services.hearth.settings.dotfiles.remote = "git@github.com:me/dotfiles.git";
      users.users.rain = { isNormalUser = true; home = "/srv/home/rain"; };
    };
    upgradeOnly = {
      services.hearth.enable = true;
      services.hearth.settings.system.remote = "git@github.com:me/nix-config.git";
    };
    severalUsers = {
      services.hearth.enable = true;
      services.hearth.dotfiles.users.rain.remote = "git@github.com:rain/dotfiles.git";
      services.hearth.dotfiles.users.snow = {
        remote = "/srv/git/snow.git";
        settings.dotfiles.branch = "laptop";
      };
      users.users.rain.isNormalUser = true;
      users.users.snow = { isNormalUser = true; home = "/home/s/snow"; };
    };
    # userborn creates users from a unit and reads hashedPasswordFile.
    usersSecret = { config, ... }: {
      services.hearth.enable = true;
      services.hearth.settings.secrets.age_key_file = "/var/lib/sops-nix/key.txt";
      services.hearth.secrets.rain-password = { sopsFile = "/etc/nixos/secrets/users.yaml"; key = "passwords/rain"; neededForUsers = true; };
      services.userborn.enable = true;
      users.users.rain = { isNormalUser = true; hashedPasswordFile = config.services.hearth.secrets.rain-password.path; };
    };
  };
in
{
  inherit configs;

  ok = {
    "every option at its default" = {
      config = { services.hearth.enable = true; };
      absent = [ "hearth-secrets.service" "hearth-sync.service" "hearth-upgrade.service" "hearth-boot-check.service" "hearth-upgrade.timer" ];
    };
    "typed secrets with root unset" = {
      config = configs.typedSecrets;
      units."hearth-secrets.service" = [ "DefaultDependencies=no" "RemainAfterExit=true" "Type=oneshot" "TimeoutStartSec=120" "ReadWritePaths=/run" "WantedBy=sysinit.target" ];
      units."wpa_supplicant.service" = [ "After=hearth-secrets.service" ];
      units."nginx.service" = [ "After=hearth-secrets.service" ];
    };
    "typed secrets with root" = {
      config = { imports = [ configs.typedSecrets ]; services.hearth.settings.secrets.root = "/run/keys/hearth"; };
      units."hearth-secrets.service" = [ "ReadWritePaths=/run/keys" ];
    };
    "secrets needed for users" = {
      config = configs.usersSecret;
      units."hearth-secrets-for-users.service" = [ "DefaultDependencies=no" "RemainAfterExit=true" "WantedBy=sysinit.target" ];
      absent = [ "hearth-secrets.service" ];
    };
    "sync only" = {
      config = configs.syncOnly;
      units."hearth-sync.service" = [ "User=rain" ''Environment="HOME=/srv/home/rain"'' "ReadWritePaths=/srv/home/rain" "TimeoutStartSec=900" ];
      units."hearth-sync.timer" = [ "OnCalendar=04:00" "Persistent=true" "RandomizedDelaySec=1800" "WantedBy=timers.target" ];
      absent = [ "hearth-upgrade.service" "hearth-boot-check.service" "hearth-secrets.service" ];
    };
    "upgrade only" = {
      config = configs.upgradeOnly;
      units."hearth-upgrade.service" = [ "TimeoutStartSec=5820" "StateDirectory=hearth" "Type=oneshot" ];
      units."hearth-boot-check.service" = [ "TimeoutStartSec=450" "WantedBy=multi-user.target" "RemainAfterExit=true" ];
      units."hearth-upgrade.timer" = [ "WantedBy=timers.target" ];
      absent = [ "hearth-sync.service" "hearth-sync.timer" ];
    };
    "timeouts follow the settings" = {
      config = {
        imports = [ configs.upgradeOnly ];
        services.hearth.settings.system = { build_timeout = "3h"; confirm_timeout = "5m"; activation_timeout = "15m"; };
        services.hearth.settings.boot = { timeout = "20m"; sustain = "1m30s"; };
      };
      units."hearth-upgrade.service" = [ "TimeoutStartSec=13800" ];
      units."hearth-boot-check.service" = [ "TimeoutStartSec=1410" ];
    };
    "several sync users" = {
      config = configs.severalUsers;
      units."hearth-sync-rain.service" = [ "User=rain" ''Environment="HOME=/home/rain"'' "ReadWritePaths=/home/rain" ];
      units."hearth-sync-snow.service" = [ "User=snow" ''Environment="HOME=/home/s/snow"'' "ReadWritePaths=/home/s/snow" "ReadWritePaths=-/srv/git/snow.git" ];
      units."hearth-sync-rain.timer" = [ "WantedBy=timers.target" ];
      units."hearth-sync-snow.timer" = [ "WantedBy=timers.target" ];
      absent = [ "hearth-sync.service" ];
    };
    "dotfile watcher" = {
      config = { imports = [ configs.syncOnly ]; services.hearth.dotfiles.watch.enable = true; };
      units."hearth-watch.service" = [
        "User=rain" ''Environment="HOME=/srv/home/rain"'' "ReadWritePaths=/srv/home/rain" "ProtectSystem=strict"
        "Type=simple" "Restart=on-failure" "RestartSec=15" "StartLimitIntervalSec=0" "WantedBy=multi-user.target"
        "SyslogIdentifier=hearth-watch" "NoNewPrivileges=true" "CapabilityBoundingSet="
      ];
      units."hearth-sync.service" = [ "User=rain" ];
      absent = [ "hearth-sync.timer" ];
    };
    "dotfile watchers for several users, keeping the timers" = {
      config = { imports = [ configs.severalUsers ]; services.hearth.dotfiles.watch = { enable = true; keepTimer = true; }; };
      units."hearth-watch-rain.service" = [ "User=rain" "Restart=on-failure" ];
      units."hearth-watch-snow.service" = [ "User=snow" "ReadWritePaths=-/srv/git/snow.git" ];
      units."hearth-sync-rain.timer" = [ "WantedBy=timers.target" ];
      units."hearth-sync-snow.timer" = [ "WantedBy=timers.target" ];
    };
    "watcher without dotfile sync writes nothing" = {
      config = { imports = [ configs.upgradeOnly ]; services.hearth.dotfiles.watch.enable = true; };
      absent = [ "hearth-watch.service" "hearth-sync.timer" ];
    };
    "everything, with metrics" = {
      config = {
        imports = [ configs.typedSecrets configs.upgradeOnly configs.severalUsers ];
        services.hearth.syncUser = "moss";
        services.hearth.settings.dotfiles.remote = "git@github.com:moss/dotfiles.git";
        users.users.moss.isNormalUser = true;
        services.hearth.settings.metrics_file = "/var/lib/prometheus-node-exporter/hearth.prom";
      };
      units."hearth-secrets.service" = [ "ReadWritePaths=-/var/lib/prometheus-node-exporter" ];
      units."hearth-sync.service" = [ "ReadWritePaths=-/var/lib/prometheus-node-exporter" ];
      units."hearth-upgrade.service" = [
        "Wants=network-online.target hearth-sync.service hearth-sync-rain.service hearth-sync-snow.service"
        "After=network-online.target hearth-sync.service hearth-sync-rain.service hearth-sync-snow.service"
      ];
      units."hearth-upgrade.timer" = [ "WantedBy=timers.target" ];
      absent = [ "hearth-sync.timer" "hearth-sync-rain.timer" ];
    };
    "hooks and OnFailure" = {
      config = {
        imports = [ configs.upgradeOnly configs.syncOnly ];
        services.hearth.hooks = { onFailure = [ "/run/current-system/sw/bin/logger" "-t" "hearth" ]; postDeploy = [ "/etc/hearth/deployed" ]; timeout = "30s"; };
        services.hearth.onFailureUnits = [ "notify-admin@%n.service" ];
      };
      units."hearth-upgrade.service" = [ "OnFailure=notify-admin@%n.service" ];
      units."hearth-boot-check.service" = [ "OnFailure=notify-admin@%n.service" ];
      units."hearth-sync.service" = [ "OnFailure=notify-admin@%n.service" ];
    };
  };

  # Each must fail to evaluate (a type error names the option; see
  # nix/eval_matrix_test.go for the messages).
  rejected = {
    "syncUser" = { services.hearth.enable = true; services.hearth.syncUser = 5; services.hearth.settings.dotfiles.remote = "x"; };
    "secret mode" = { services.hearth.enable = true; services.hearth.secrets.x = { sopsFile = "/s.yaml"; mode = "rw-r-----"; }; };
    "secret format" = { services.hearth.enable = true; services.hearth.secrets.x = { sopsFile = "/s.yaml"; format = "toml"; }; };
    "secret path" = { services.hearth.enable = true; services.hearth.secrets.x = { sopsFile = "/s.yaml"; path = "/tmp/x"; }; };
    "build_timeout" = { services.hearth.enable = true; services.hearth.settings.system = { remote = "x"; build_timeout = "three hours"; }; };
  };
}
