package e2e

import (
	"fmt"
	"runtime"
	"strings"
)

// The "NixOS" of these machines: a flake whose toplevel is built by
// /bin/sh with the machine's own nix, whose generations carry unit files
// and a switch-to-configuration, and a boot loader that activates the
// generation the system profile points at.

// nixConf lets root build without a daemon, build users, a sandbox or any
// network (the machines have only loopback).
const nixConf = `experimental-features = nix-command flakes
sandbox = false
build-users-group =
substituters =
flake-registry =
`

// bootLoader is a systemd generator: it runs at every boot before systemd
// loads any unit, as NixOS's stage 2 activation does before systemd starts.
// On a fresh boot it makes the generation the system profile points at the
// booted and current system; then (and on every daemon-reload) it links the
// current system's units in and wants them from multi-user.target.
const bootLoader = `#!/bin/sh
set -eu
if [ ! -e /run/booted-system ]; then
  gen=$(readlink -f /nix/var/nix/profiles/system) || exit 0
  [ -x "$gen/bin/switch-to-configuration" ] || exit 0
  ln -sfn "$gen" /run/booted-system
  ln -sfn "$gen" /run/current-system
  echo "boot $gen" >> /var/log/e2e-boots
fi
cur=$(readlink -f /run/current-system) || exit 0
mkdir -p "$1/multi-user.target.wants"
for u in "$cur"/etc/systemd/system/*; do
  [ -e "$u" ] || continue
  ln -sf "$u" "$1/${u##*/}"
  ln -sf "$u" "$1/multi-user.target.wants/${u##*/}"
done
`

// systemBuild is the toplevel's builder (no PATH: absolute programs). The
// generation's switch-to-configuration is a small NixOS-like activation:
// switch and test make it the current system, reload systemd (the boot
// loader links its units) and restart them; boot only records (the boot
// loader reads the profile that hearth or nix-env set).
const systemBuild = `set -eu
/bin/mkdir -p "$out/bin" "$out/etc/systemd/system"
echo "$version" > "$out/version"
/bin/cat > "$out/etc/systemd/system/e2e-app.service" <<UNIT
[Unit]
Description=e2e app of system $version

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=$appExec
UNIT
/bin/cat > "$out/bin/switch-to-configuration" <<SCRIPT
#!/bin/sh
set -eu
echo "\$1 $out" >> /var/log/e2e-activations
case "\$1" in
  switch|test)
    /bin/ln -sfn "$out" /run/current-system
    /bin/systemctl daemon-reload
    /bin/systemctl restart --no-block e2e-app.service ;;
  boot|dry-activate) ;;
  *) echo "usage: switch-to-configuration switch|boot|test|dry-activate" >&2; exit 1 ;;
esac
SCRIPT
/bin/chmod 0555 "$out/bin/switch-to-configuration"
`

const systemAttr = "nixosConfigurations.e2e.config.system.build.toplevel"

func systemFlake(version, appExec string) string {
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	return fmt.Sprintf(`{
  outputs = { self }: {
    nixosConfigurations.e2e.config.system.build.toplevel = derivation {
      name = "nixos-system-e2e-%s";
      system = "%s-linux";
      builder = "/bin/sh";
      args = [ ./build.sh ];
      version = "%s";
      appExec = "%s";
    };
  };
}
`, version, arch, version, appExec)
}

// putSystem prepares a machine for systems: nix settings and the boot
// loader.
func putSystem(m *Machine) {
	m.Put("/etc/nix/nix.conf", []byte(nixConf), 0o644)
	m.Put("/etc/systemd/system-generators/e2e-boot-loader", []byte(bootLoader), 0o755)
}

// initSystemRemote makes the (root-owned) system remote in the running
// machine, with a work tree to commit generations from.
func initSystemRemote(m *Machine) {
	m.t.Helper()
	m.Sh(`git init -q --bare -b main /srv/system.git
git init -q -b main /srv/system-work
git -C /srv/system-work remote add origin /srv/system.git`)
}

// commitSystem commits a generation to the system remote; appExec is what
// its required unit runs (/bin/false: a generation that boots broken).
func commitSystem(m *Machine, version, appExec string) string {
	m.t.Helper()
	m.WriteFile("/srv/system-work/flake.nix", systemFlake(version, appExec), "0644", "root:root")
	m.WriteFile("/srv/system-work/build.sh", systemBuild, "0644", "root:root")
	return strings.TrimSpace(m.Sh(`cd /srv/system-work
git add flake.nix build.sh
git -c user.name=e2e -c user.email=e2e@hearth.invalid commit -q -m "system ` + version + `"
git push -q origin main
git rev-parse HEAD`))
}
