# NixOS VM test (needs KVM; `nix flake check` runs it as checks.<system>.vm):
# a git remote and two hosts. Both sync an edited dotfile through the remote;
# hostA deploys a good upgrade, refuses a commit that does not build, rolls
# back a live switch whose health checks fail, and returns to golden by itself
# after booting a generation that keeps failing its boot check. hostB installs
# a secret at boot before the service that reads it, restarts that service
# when a switch changes the secret, and has its daily timer armed; hostA's
# timer runs the sync before the upgrade.
#
# The nodes import the flake's nixosModules.default with runNixOSTest's
# read-only pkgs (the situation that broke the overlay-based module).
#
# The upgrade targets are real NixOS systems of hostA with a marker
# (/etc/hearth-version), built with the test and copied into the VM's store;
# the nix-config flake on the remote only points at them (a symlink
# derivation), because the VM has no nixpkgs to evaluate a system with.
{ pkgs, hearthModule }:

let
  # An age key and a sops file encrypted for it, made at build time. The key
  # lands in the store (world-readable): fine for a test, never for a host.
  testSecrets = pkgs.runCommand "hearth-vm-secrets" { nativeBuildInputs = [ pkgs.age pkgs.sops ]; } ''
    mkdir $out
    age-keygen -o $out/key.txt 2> /dev/null
    printf 'wifi:\n  home: first-psk\n  next: second-psk\n' > plain.yaml
    sops --encrypt --age "$(age-keygen -y $out/key.txt)" --input-type yaml --output-type yaml plain.yaml > $out/host.yaml
  '';

  # Reads the secret once at start, as a daemon reads its credentials.
  secretReader = { pkgs, ... }: {
    systemd.services.secret-reader = {
      wantedBy = [ "multi-user.target" ];
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        User = "alice";
        ExecStart = "${pkgs.bash}/bin/bash -c 'cat /run/secrets/wifi > /tmp/secret-reader.out'";
        PrivateTmp = false;
      };
    };
    services.hearth.settings.secrets.age_key_file = "${testSecrets}/key.txt";
    services.hearth.secrets.wifi = {
      sopsFile = "${testSecrets}/host.yaml";
      key = "wifi/home";
      owner = "alice";
      restartUnits = [ "secret-reader.service" ];
    };
    # The switch that changes the secret.
    specialisation.next-secret.configuration = { lib, ... }: {
      services.hearth.secrets.wifi.key = lib.mkForce "wifi/next";
    };
  };

  markerCheck = {
    name = "not-bad";
    command = [ "/bin/sh" "-c" "! grep -q bad /etc/hearth-version" ];
  };

  hostBase = { config, lib, ... }: {
    imports = [ hearthModule ];
    options.hearthTest = {
      variant = lib.mkOption { type = lib.types.str; default = "initial"; };
      variants = lib.mkOption { type = lib.types.attrsOf lib.types.package; default = { }; };
    };
    config = {
      environment.etc."hearth-version".text = config.hearthTest.variant;
      users.users.alice = { isNormalUser = true; };
      nix.settings = {
        experimental-features = [ "nix-command" "flakes" ];
        # The flake's symlink derivations read store paths of the variants.
        sandbox = false;
        substituters = lib.mkForce [ ];
      };
      services.hearth = {
        enable = true;
        syncUser = "alice";
        settings.dotfiles.remote = "git://remote/dots.git";
      };
    };
  };

  # Variants are hostA extended by a marker; only the initial system carries
  # them (in its store), so building them does not recurse.
  hostA = { config, lib, extendModules, ... }: {
    imports = [ hostBase ];
    virtualisation.useBootLoader = true;
    virtualisation.useEFIBoot = true;
    boot.loader.systemd-boot.enable = true;
    boot.loader.efi.canTouchEfiVariables = true;
    services.hearth.settings = {
      system.remote = "git://remote/nix-config.git";
      system.attr = "nixosConfigurations.hostA.config.system.build.toplevel";
      system.confirm_timeout = "30s";
      boot = {
        max_attempts = 2;
        timeout = "1m";
        sustain = "2s";
        # The driver restarts a powered-off VM; a guest-side reboot would
        # drop the driver's connection instead.
        reboot_command = [ "systemctl" "poweroff" ];
        check = [ markerCheck ];
      };
    };
    hearthTest.variants = lib.mkIf (config.hearthTest.variant == "initial") {
      good = (extendModules { modules = [{ hearthTest.variant = "good"; }]; }).config.system.build.toplevel;
      bad = (extendModules { modules = [{ hearthTest.variant = "bad"; }]; }).config.system.build.toplevel;
    };
    system.extraDependencies = lib.attrValues config.hearthTest.variants;
    virtualisation.additionalPaths = lib.attrValues config.hearthTest.variants;
  };

  gitc = "git -c user.name=test -c user.email=test@hearth.invalid -c init.defaultBranch=main";
in
pkgs.testers.runNixOSTest {
  name = "hearth";

  nodes = {
    remote = { pkgs, ... }: {
      environment.systemPackages = [ pkgs.git ];
      networking.firewall.allowedTCPPorts = [ 9418 ];
      systemd.services.git-daemon = {
        wantedBy = [ "multi-user.target" ];
        after = [ "network.target" ];
        serviceConfig.ExecStart = "${pkgs.git}/bin/git daemon --reuseaddr --export-all --enable=receive-pack --base-path=/srv/git /srv/git";
        preStart = "mkdir -p /srv/git";
      };
    };
    hostA = hostA;
    hostB = { imports = [ hostBase secretReader ]; };
  };

  testScript = { nodes, ... }:
    let
      good = nodes.hostA.hearthTest.variants.good;
      bad = nodes.hostA.hearthTest.variants.bad;
      # toplevel of one commit of the nix-config flake: a symlink to a
      # prebuilt variant, or a build that fails.
      flake = target: pkgs.writeText "flake.nix" ''
        {
          outputs = { self }: {
            nixosConfigurations.hostA.config.system.build.toplevel = derivation {
              name = "hearth-vm-system";
              system = "${pkgs.stdenv.hostPlatform.system}";
              builder = "/bin/sh";
              args = [ "-c" ${builtins.toJSON (if target == null
                then "echo 'this commit does not build' >&2; exit 1"
                else "/run/current-system/sw/bin/ln -s ${target} $out")} ];
            };
          };
        }
      '';
    in
    ''
      def push_system(message, flake_file):
          remote.succeed(
              f"cp {flake_file} /tmp/nc/flake.nix",
              f"cd /tmp/nc && ${gitc} add flake.nix && ${gitc} commit -q -m '{message}' && git push -q origin HEAD:main",
          )

      start_all()
      remote.wait_for_unit("git-daemon.service")
      remote.succeed(
          "${gitc} init -q --bare /srv/git/dots.git",
          "${gitc} init -q --bare /srv/git/nix-config.git",
          "${gitc} clone -q /srv/git/dots.git /tmp/dots",
          "cd /tmp/dots && echo 'shared' > dot_hearth-shared && ${gitc} add . && ${gitc} commit -q -m init && git push -q origin HEAD:main",
          "${gitc} clone -q /srv/git/nix-config.git /tmp/nc",
      )

      with subtest("the first boot is validated and pinned as golden"):
          hostA.wait_for_unit("hearth-boot-check.service")
          hostA.succeed("hearth boot status | grep -qE '^golden: +/nix/store/'")

      with subtest("a dotfile edit on each host reaches the other"):
          for h in (hostA, hostB):
              h.wait_for_unit("multi-user.target")
              h.succeed("systemctl start hearth-sync.service")
              h.succeed("test \"$(cat /home/alice/.hearth-shared)\" = shared")
          hostA.succeed("echo 'from A' > /home/alice/.hearth-shared")
          hostA.succeed("systemctl start hearth-sync.service")
          hostB.succeed("systemctl start hearth-sync.service")
          hostB.succeed("test \"$(cat /home/alice/.hearth-shared)\" = 'from A'")
          hostB.succeed("echo 'from B' > /home/alice/.hearth-shared")
          hostB.succeed("systemctl start hearth-sync.service")
          hostA.succeed("systemctl start hearth-sync.service")
          hostA.succeed("test \"$(cat /home/alice/.hearth-shared)\" = 'from B'")
          hostA.succeed("su alice -c 'chezmoi-status'")

      with subtest("a secret is installed at boot before the service that reads it"):
          hostB.wait_for_unit("secret-reader.service")
          hostB.succeed("test \"$(cat /tmp/secret-reader.out)\" = first-psk")
          hostB.succeed("test \"$(stat -c %U:%a /run/secrets/wifi)\" = alice:400")
          hostB.succeed("systemctl is-active hearth-secrets.service")
          hostB.succeed("systemctl show secret-reader.service -p After | grep -q hearth-secrets.service")

      with subtest("a switch that changes the secret restarts its reader"):
          hostB.succeed("/run/current-system/specialisation/next-secret/bin/switch-to-configuration test")
          hostB.succeed("test \"$(cat /run/secrets/wifi)\" = second-psk")
          hostB.succeed("test \"$(cat /tmp/secret-reader.out)\" = second-psk")

      with subtest("the daily timers are armed"):
          hostB.succeed("systemctl is-active hearth-sync.timer")
          hostA.succeed("systemctl is-active hearth-upgrade.timer")
          hostA.fail("systemctl cat hearth-sync.timer")

      with subtest("a good upgrade is deployed"):
          push_system("good", "${flake good}")
          hostA.succeed("systemctl start hearth-upgrade.service")
          hostA.succeed("grep -qx good /etc/hearth-version")
          hostA.succeed("pin-golden")
          hostA.succeed("show-golden | grep -q ${good}")

      with subtest("the timer's upgrade runs the dotfile sync first"):
          # What the timer starts: the upgrade, which pulls in the sync before it.
          hostA.succeed("systemctl start hearth-upgrade.service")
          sync_end = int(hostA.succeed("systemctl show hearth-sync.service -p ExecMainExitTimestampMonotonic --value").strip())
          upgrade_start = int(hostA.succeed("systemctl show hearth-upgrade.service -p ExecMainStartTimestampMonotonic --value").strip())
          assert 0 < sync_end <= upgrade_start, f"sync ended at {sync_end}, upgrade started at {upgrade_start}"
          hostA.succeed("systemctl show hearth-upgrade.timer -p Unit --value | grep -qx hearth-upgrade.service")

      with subtest("a commit that does not build is refused and changes nothing"):
          push_system("broken", "${flake null}")
          hostA.fail("systemctl start hearth-upgrade.service")
          hostA.succeed("grep -qx good /etc/hearth-version")
          hostA.succeed("hearth status | grep -E '^upgrade +failed'")

      with subtest("a live switch that fails its health checks is rolled back"):
          push_system("bad", "${flake bad}")
          hostA.fail("systemctl start hearth-upgrade.service")
          hostA.succeed("grep -qx good /etc/hearth-version")

      with subtest("a generation that keeps failing its boot check returns to golden"):
          # As if an admin had run `nixos-rebuild boot` with the bad system.
          hostA.succeed(
              "nix-env -p /nix/var/nix/profiles/system --set ${bad}",
              "/nix/var/nix/profiles/system/bin/switch-to-configuration boot",
          )
          hostA.shutdown()
          for attempt in (1, 2):
              hostA.start()
              # The boot check fails, counts the attempt and powers off; at
              # max_attempts it first points the profile back at golden.
              hostA.wait_for_shutdown()
          hostA.start()
          hostA.wait_for_unit("hearth-boot-check.service")
          hostA.succeed("grep -qx good /etc/hearth-version")
          hostA.succeed("test \"$(readlink -f /run/booted-system)\" = ${good}")
          hostA.succeed("show-boot-status | grep -q ${good}")
    '';
}
