package units

import (
	"path/filepath"
	"strconv"
	"strings"
)

// Names of the generated units.
const (
	SyncService      = "hearth-sync.service"
	WatchService     = "hearth-watch.service"
	UpgradeService   = "hearth-upgrade.service"
	BootCheckService = "hearth-boot-check.service"
	SecretsService   = "hearth-secrets.service"
	// UpgradeAlias keeps the original setup's unit name working.
	UpgradeAlias = "auto-upgrade.service"
)

// Generate returns the unit files for spec, services before timers.
func Generate(spec Spec) ([]Unit, error) {
	spec.applyDefaults()
	if err := spec.validate(); err != nil {
		return nil, err
	}
	var out []Unit
	if spec.Secrets {
		out = append(out, Unit{SecretsService, secretsUnit(spec)})
	}
	if spec.Sync {
		out = append(out, Unit{SyncService, syncUnit(spec)})
	}
	if spec.Watch {
		out = append(out, Unit{WatchService, watchUnit(spec)})
	}
	if spec.Upgrade {
		out = append(out, Unit{UpgradeService, upgradeUnit(spec)})
	}
	if spec.BootCheck {
		out = append(out, Unit{BootCheckService, bootCheckUnit(spec)})
	}
	// One daily timer: it starts the upgrade, which pulls in the dotfile sync
	// first; without an upgrade it starts the sync itself.
	switch {
	case spec.Upgrade:
		out = append(out, Unit{"hearth-upgrade.timer", timerUnit(spec, UpgradeService, "dotfile sync, then system upgrade")})
	case spec.Sync && (!spec.Watch || spec.WatchKeepTimer):
		out = append(out, Unit{"hearth-sync.timer", timerUnit(spec, SyncService, "dotfile sync")})
	}
	return out, nil
}

// exitInterrupted is SuccessExitStatus: hearth exits ExitInterrupted when
// systemd stops the unit (shutdown, systemctl stop), which is not a failure.
var exitInterrupted = strconv.Itoa(ExitInterrupted)

// exec is the ExecStart line for a hearth subcommand.
func (s Spec) exec(args ...string) string {
	parts := []string{s.Binary}
	if s.ConfigFile != "" {
		parts = append(parts, "--config", s.ConfigFile)
	}
	return strings.Join(append(parts, args...), " ")
}

// metricsDir is the dir a sandboxed unit must be able to write the metrics to.
func (s Spec) metricsDir() []string {
	if s.MetricsFile == "" {
		return nil
	}
	return []string{filepath.Dir(s.MetricsFile)}
}

// stateDirectory lets systemd create and open the state dir: StateDirectory=
// when it lives under /var/lib, else an explicit writable path.
func stateDirectory(f *file, dir string) (extraWritable []string) {
	if rel, ok := strings.CutPrefix(dir, "/var/lib/"); ok && rel != "" {
		f.setAll("StateDirectory", rel, "StateDirectoryMode", "0755")
		return nil
	}
	return []string{dir}
}

func secretsUnit(s Spec) string {
	var f file
	f.section("Unit")
	f.setAll("Description", "hearth: install SOPS/age secrets under "+s.SecretsRoot,
		"Documentation", "https://github.com/hearth-fleet/hearth/blob/main/docs/architecture.md",
		// Early at boot, before the services that read the secrets; it
		// needs local filesystems only (decryption is offline).
		"DefaultDependencies", "no",
		"After", "local-fs.target systemd-tmpfiles-setup.service",
		"Before", "sysinit.target shutdown.target",
		"Conflicts", "shutdown.target")
	f.section("Service")
	f.setAll("Type", "oneshot", "RemainAfterExit", "yes",
		"ExecStart", s.exec("secrets", "install"),
		"TimeoutStartSec", seconds(s.SecretsTimeout),
		"SyslogIdentifier", "hearth-secrets",
		"SuccessExitStatus", exitInterrupted,
		"UMask", "0077")
	writable := append(stateDirectory(&f, s.StateDir), filepath.Dir(s.SecretsRoot))
	for _, d := range s.metricsDir() {
		writable = append(writable, "-"+d) // "-": a missing metrics dir is not fatal
	}
	f.comment("Decryption is offline (hearth and its hearth-sops helper): no network, no new\nprivileges; only chown/chmod of the secrets and reading root-only key files.")
	f.setAll("ReadWritePaths", strings.Join(writable, " "),
		"ProtectSystem", "strict",
		"ProtectHome", "read-only",
		"PrivateNetwork", "yes",
		"RestrictAddressFamilies", "AF_UNIX",
		"CapabilityBoundingSet", "CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH",
		"MemoryDenyWriteExecute", "yes",
		"SystemCallFilter", "@system-service",
		"SystemCallErrorNumber", "EPERM")
	strictHardening(&f)
	f.section("Install")
	f.set("WantedBy", "sysinit.target")
	return f.String()
}

func syncUnit(s Spec) string {
	var f file
	f.section("Unit")
	f.setAll("Description", "hearth: dotfile sync round",
		"Documentation", "https://github.com/hearth-fleet/hearth/blob/main/docs/architecture.md",
		"Wants", "network-online.target",
		"After", "network-online.target")
	f.section("Service")
	f.setAll("Type", "oneshot",
		"ExecStart", s.exec("sync"),
		"TimeoutStartSec", seconds(s.SyncTimeout),
		"SyslogIdentifier", "hearth-sync",
		"SuccessExitStatus", exitInterrupted,
		"Nice", "10",
		"UMask", "0022",
		"RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6")
	syncSandbox(&f, s)
	return f.String()
}

// syncSandbox confines a unit running dotfile sync (a round or the
// watcher) to the files of the user it syncs for.
func syncSandbox(f *file, s Spec) {
	processHardening(f)
	if s.User {
		// The per-user manager cannot set up mount namespaces everywhere,
		// so only the seccomp-based options above apply here.
		return
	}
	f.comment("Runs as the dotfiles' owner; it writes only in that user's home (state in\n~/.local/state/hearth unless state_dir says otherwise), resolved when the\nunit was written (systemd's home specifier would be root's), and in the\npaths the config names outside it (a local remote, metrics).")
	writable := []string{s.SyncHome}
	for _, p := range s.SyncWritable {
		writable = append(writable, "-"+p) // "-": a path missing at start is not fatal
	}
	for _, d := range s.metricsDir() {
		writable = append(writable, "-"+d)
	}
	f.setAll("User", s.SyncUser,
		"Environment", "HOME="+s.SyncHome,
		"ReadWritePaths", strings.Join(writable, " "),
		"ProtectSystem", "strict")
	namespaceHardening(f)
	f.set("CapabilityBoundingSet", "")
}

func upgradeUnit(s Spec) string {
	var f file
	f.section("Unit")
	f.setAll("Description", "hearth: system upgrade round (fetch, verify, build, activate, confirm)",
		"Documentation", "https://github.com/hearth-fleet/hearth/blob/main/docs/architecture.md",
		"Wants", "network-online.target",
		"After", "network-online.target")
	if s.Sync {
		// Dotfiles first, as in the original daily run; a failed sync does
		// not stop the upgrade (Wants, not Requires).
		f.setAll("Wants", SyncService, "After", SyncService)
	}
	f.section("Service")
	f.setAll("Type", "oneshot",
		"ExecStart", s.exec("upgrade"),
		"TimeoutStartSec", seconds(s.UpgradeTimeout),
		"SyslogIdentifier", "hearth-upgrade",
		"SuccessExitStatus", exitInterrupted,
		"Nice", "10",
		"IOSchedulingClass", "idle")
	stateDirectory(&f, s.StateDir)
	activationHardening(&f)
	f.section("Install")
	f.set("Alias", UpgradeAlias)
	return f.String()
}

func bootCheckUnit(s Spec) string {
	var f file
	f.section("Unit")
	f.setAll("Description", "hearth: validate this boot (golden generation)",
		"Documentation", "https://github.com/hearth-fleet/hearth/blob/main/docs/golden.md",
		"Wants", "network-online.target",
		"After", "multi-user.target network-online.target",
		// systemd-bless-boot blesses the loader's entry after
		// boot-complete.target: only once hearth's checks passed.
		"Before", "boot-complete.target")
	f.section("Service")
	f.setAll("Type", "oneshot", "RemainAfterExit", "yes",
		"ExecStart", s.exec("boot", "check"),
		// The deadline covers every check's timeout and the sustain window;
		// a hung check must not leave the boot unjudged forever.
		"TimeoutStartSec", seconds(s.BootCheckTimeout),
		"SyslogIdentifier", "golden-generation",
		"SuccessExitStatus", exitInterrupted)
	stateDirectory(&f, s.StateDir)
	activationHardening(&f)
	f.section("Install")
	f.setAll("WantedBy", "multi-user.target", "RequiredBy", "boot-complete.target")
	return f.String()
}

func timerUnit(s Spec, unit, what string) string {
	var f file
	f.section("Unit")
	f.set("Description", "hearth: daily "+what)
	f.section("Timer")
	f.setAll("OnCalendar", s.OnCalendar,
		"RandomizedDelaySec", seconds(s.RandomizedDelay),
		// A host that was off at the scheduled time runs at the next boot.
		"Persistent", "true",
		"Unit", unit)
	f.section("Install")
	f.set("WantedBy", "timers.target")
	return f.String()
}

// strictHardening is the kernel- and process-level sandbox for units that
// only read and write files.
func strictHardening(f *file) {
	processHardening(f)
	namespaceHardening(f)
}

// processHardening is what a per-user manager can apply too: no privilege
// gain, seccomp and personality limits.
func processHardening(f *file) {
	f.setAll("NoNewPrivileges", "yes",
		"RestrictSUIDSGID", "yes",
		"RestrictNamespaces", "yes",
		"LockPersonality", "yes",
		"RestrictRealtime", "yes",
		"SystemCallArchitectures", "native")
}

// namespaceHardening needs the system manager's mount namespaces.
func namespaceHardening(f *file) {
	f.setAll("PrivateTmp", "yes",
		"PrivateDevices", "yes",
		"ProtectKernelTunables", "yes",
		"ProtectKernelModules", "yes",
		"ProtectKernelLogs", "yes",
		"ProtectControlGroups", "yes",
		"ProtectClock", "yes",
		"ProtectHostname", "yes")
}

// activationHardening is what still lets a unit build with nix and run
// switch-to-configuration. Activation rewrites /etc and the boot loader,
// creates setuid wrappers, creates home dirs and sets the hostname; local nix
// builds need namespaces, personality() for i686 builds and foreign-arch
// syscalls. So the file-system, namespace, SUID, personality and
// syscall-architecture options would break it; what is left is small.
func activationHardening(f *file) {
	f.comment("Activation (switch-to-configuration) and nix builds need most of the system;\nsee docs/architecture.md for why this unit is only lightly sandboxed.")
	f.setAll("RestrictRealtime", "yes",
		"ProtectKernelLogs", "yes")
}
