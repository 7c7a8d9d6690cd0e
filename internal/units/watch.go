package units

import "time"

// Restart of a watcher that died: a fixed pause, never giving up. systemd
// 254's RestartSteps/RestartMaxDelaySec would grow it, but older managers
// warn about them; the watcher backs off from an unreachable remote
// itself, so what restarts here is a crash, and a crash loop costs one
// start per DefaultWatchRestart. Shared with the NixOS module.
const (
	DefaultWatchRestart = 15 * time.Second
	// DefaultWatchStopTimeout lets a round under way finish or reach a
	// safe point when the watcher is stopped.
	DefaultWatchStopTimeout = 2 * time.Minute
)

// watchUnit is the long-running dotfile sync (hearth watch): a round
// shortly after every edit in home or the source, and a poll of the
// remote. It runs under the same sandbox as the sync round.
func watchUnit(s Spec) string {
	var f file
	f.section("Unit")
	f.setAll("Description", "hearth: live dotfile sync (watch home and the remote)",
		"Documentation", "https://github.com/hearth-fleet/hearth/blob/main/docs/nixos-module.md",
		"Wants", "network-online.target",
		"After", "network-online.target",
		"StartLimitIntervalSec", "0")
	f.section("Service")
	f.setAll("Type", "simple",
		"ExecStart", s.exec("watch"),
		"Restart", "on-failure",
		"RestartSec", seconds(DefaultWatchRestart),
		"TimeoutStopSec", seconds(DefaultWatchStopTimeout),
		"SyslogIdentifier", "hearth-watch",
		"SuccessExitStatus", exitInterrupted,
		"Nice", "10",
		"UMask", "0022",
		// AF_NETLINK: to hear that the network is back; AF_UNIX: the
		// session bus for desktop notifications.
		"RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6 AF_NETLINK")
	syncSandbox(&f, s)
	f.section("Install")
	if s.User {
		f.set("WantedBy", "default.target")
	} else {
		f.set("WantedBy", "multi-user.target")
	}
	return f.String()
}
