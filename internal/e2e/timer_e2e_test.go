package e2e

import (
	"strings"
	"testing"
	"time"
)

const timerConfig = `[dotfiles]
remote = "/srv/dotfiles.git"

[system]
remote = "/srv/system.git"
attr = "` + systemAttr + `"
operation = "boot"
`

// TestDailyTimerRunsSyncThenUpgrade arms the daily timer `hearth units`
// wrote for a time a few seconds ahead on the machine's clock and lets it
// fire: it starts the upgrade, which pulls in the dotfile sync (as rain)
// first; both succeed, the sync finished before the upgrade started, and
// the upgrade deployed the system.
func TestDailyTimerRunsSyncThenUpgrade(t *testing.T) {
	m := newHearthMachine(t, "timer")
	putSystem(m)
	m.Put("/etc/hearth/config.toml", []byte(timerConfig), 0o644)
	// The default AccuracySec=1min would let the timer fire up to a minute
	// late; the operator's drop-in keeps the test short.
	m.Put("/etc/systemd/system/hearth-upgrade.timer.d/accuracy.conf", []byte("[Timer]\nAccuracySec=1s\n"), 0o644)
	m.Start()

	m.Sh(`useradd --create-home --uid 1001 --user-group rain
git init -q --bare -b main /srv/dotfiles.git
git init -q -b main /tmp/seed
echo 'from the remote' > /tmp/seed/dot_notes
git -C /tmp/seed add dot_notes
git -C /tmp/seed -c user.name=e2e -c user.email=e2e@hearth.invalid commit -q -m seed
git -C /tmp/seed push -q /srv/dotfiles.git main
chown -R rain:rain /srv/dotfiles.git`)
	initSystemRemote(m)
	commitSystem(m, "timer", "/bin/true")

	at := strings.TrimSpace(m.MustRun("date", "-d", "+12 sec", "+%Y-%m-%d %H:%M:%S"))
	m.MustRun("hearth", "units", "--sync-user", "rain", "--on-calendar", at, "--randomized-delay", "1s", "--install", "/etc/systemd/system")
	m.Sh(`systemctl daemon-reload
systemctl enable --now hearth-upgrade.timer`)
	if next := m.Sh("systemctl show -P NextElapseUSecRealtime hearth-upgrade.timer"); strings.TrimSpace(next) == "" {
		t.Fatalf("the timer is not armed")
	}

	m.Poll(2*time.Minute, "the timer's upgrade run to finish", func() bool {
		return m.prop("hearth-upgrade.service", "ExecMainExitTimestampMonotonic") != "0" &&
			m.activeState("hearth-upgrade.service") != "activating"
	})
	for _, u := range []string{"hearth-sync.service", "hearth-upgrade.service"} {
		if r := m.prop(u, "Result"); r != "success" || m.prop(u, "ExecMainStatus") != "0" {
			t.Errorf("%s: result %s, status %s\n%s", u, r, m.prop(u, "ExecMainStatus"),
				m.MustRun("journalctl", "-b", "--no-pager", "-u", strings.TrimSuffix(u, ".service"), "-n", "40"))
		}
	}
	syncDone := monotonic(t, m, "hearth-sync.service", "ExecMainExitTimestampMonotonic")
	upgradeStart := monotonic(t, m, "hearth-upgrade.service", "ExecMainStartTimestampMonotonic")
	if syncDone == 0 || syncDone > upgradeStart {
		t.Errorf("sync finished at %d µs, upgrade started at %d µs: want the sync first", syncDone, upgradeStart)
	}
	if m.prop("hearth-upgrade.timer", "LastTriggerUSecMonotonic") == "0" {
		t.Error("the timer never triggered: the runs came from elsewhere")
	}
	if got := m.ShAs("rain", "cat .notes"); got != "from the remote\n" {
		t.Errorf("the sync (as rain) did not apply the remote: ~rain/.notes %q", got)
	}
	if got := m.Sh("cat $(readlink -f /nix/var/nix/profiles/system)/version"); got != "timer\n" {
		t.Errorf("the upgrade did not deploy the system: profile's version %q", got)
	}
}

func (m *Machine) prop(unit, name string) string {
	out, _ := m.try("systemctl", "show", "-P", name, unit)
	return strings.TrimSpace(out)
}
