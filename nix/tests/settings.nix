# A representative services.hearth.settings as the module passes it to
# lib.renderSettings: typed options the user left unset are null, the rest
# is freeform. nix/nix_test.go renders it and runs `hearth config check`.
{
  host = "desktop";
  metrics_file = "/var/lib/prometheus-node-exporter/hearth.prom";
  dotfiles = {
    remote = "git@github.com:me/dotfiles.git";
    branch = null;
    conflict_policy = "newest";
    source_dir = "~/.local/share/chezmoi";
    age_identities = [ "~/.config/age/keys.txt" ];
  };
  system = {
    remote = "git@github.com:me/nix-config.git";
    branch = "main";
    attr = "nixosConfigurations.desktop.config.system.build.toplevel";
    operation = null;
    allowed_signers = "/etc/hearth/allowed_signers";
    can_commit = true;
    update_inputs = true;
    build_timeout = "1h30m";
    confirm_timeout = "2m";
  };
  boot = {
    max_attempts = 3;
    timeout = "5m";
    reboot_command = [ "systemctl" "reboot" ];
    check = [
      { name = "ssh"; unit = "sshd.service"; required = true; }
      { name = "web \"front\""; http = "http://127.0.0.1:8080/health"; required = false; timeout = "5s"; }
      { name = "disk"; command = [ "/bin/sh" "-c" "test \"$(df --output=pcent / | tail -1 | tr -d ' %')\" -lt 95 && echo ok\\n" ]; }
      { name = "dns"; tcp = "127.0.0.1:53"; }
    ];
  };
  secrets = {
    root = null;
    age_key_file = "/var/lib/sops-nix/key.txt";
    secret = [
      { name = "acoustid_api"; sops_file = "/etc/nixos/secrets/shared.yaml"; key = "dotfiles/acoustid_api"; owner = "rain"; mode = "0400"; }
      { name = "wifi_home.psk"; sops_file = "/etc/nixos/secrets/host.yaml"; key = "wifi/home"; owner = "root"; group = "wheel"; mode = "0440"; restart_units = [ "wpa_supplicant.service" ]; }
    ];
  };
}
