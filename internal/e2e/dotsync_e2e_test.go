package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const dotsConfig = `[dotfiles]
remote = "/srv/dotfiles.git"
`

// seedRemote makes a bare dotfiles repository on the host, owned by uid
// 1001 (rain in every machine), holding one file every host edits.
func seedRemote(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	work, bare := filepath.Join(base, "seed"), filepath.Join(base, "dotfiles.git")
	git := func(dir string, args ...string) {
		t.Helper()
		c := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=seed", "-c", "user.email=seed@hearth.invalid",
			"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
		c.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	git(work, "init", "-q")
	if err := os.WriteFile(filepath.Join(work, "dot_notes"), []byte("line one\nline two\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(work, "add", ".")
	git(work, "commit", "-q", "-m", "seed")
	git(base, "clone", "-q", "--bare", work, bare)
	if out, err := exec.Command("chown", "-R", "1001:1001", bare).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v: %s", err, out)
	}
	return bare
}

// TestDotfilesSyncBetweenMachines runs the sync unit `hearth units` wrote,
// as rain with rain's real HOME, on two machines sharing one remote on a
// local path outside rain's home (/srv/dotfiles.git, bound into both).
// Both edit the same line at once and sync at once; after another round
// both homes agree and neither edit is lost (the loser is kept in
// .hearth-conflicts), and every sync round succeeded, pushes included.
func TestDotfilesSyncBetweenMachines(t *testing.T) {
	remote := seedRemote(t)
	var ms []*Machine
	for _, name := range []string{"dots-a", "dots-b"} {
		m := newHearthMachine(t, name)
		m.Put("/etc/hearth/config.toml", []byte(dotsConfig), 0o644)
		m.nspawnArgs = append(m.nspawnArgs, "--bind="+remote+":/srv/dotfiles.git")
		ms = append(ms, m)
	}
	both(t, ms, func(m *Machine) {
		m.Start()
		m.Sh(`useradd --create-home --uid 1001 --user-group rain
hearth units --sync-user rain --install /etc/systemd/system
systemctl daemon-reload`)
	})
	sync := func(m *Machine) {
		t.Helper()
		if _, err := m.Run("", "systemctl", "start", "hearth-sync.service"); err != nil {
			t.Errorf("%s: sync unit failed: %v\n%s", m.Name, err, m.MustRun("journalctl", "-b", "--no-pager", "-u", "hearth-sync", "-n", "40"))
		}
	}
	both(t, ms, sync)
	for _, m := range ms {
		if got := m.ShAs("rain", "cat .notes; stat -c %U .local/share/chezmoi/dot_notes"); got != "line one\nline two\nrain\n" {
			t.Fatalf("%s: after the first sync ~rain/.notes and its source: %q", m.Name, got)
		}
		if got := m.Sh("systemctl show -P User hearth-sync.service; systemctl show -P Environment hearth-sync.service"); got != "rain\nHOME=/home/rain\n" {
			t.Errorf("%s: sync unit runs as %q", m.Name, got)
		}
	}

	// The same line, edited on both, synced at once.
	ms[0].ShAs("rain", `sed -i 's/^line one$/line one tok-from-a/' .notes`)
	ms[1].ShAs("rain", `sed -i 's/^line one$/line one tok-from-b/' .notes`)
	both(t, ms, sync)
	// One more round each: the first to push learns of the other's edit.
	for _, m := range ms {
		sync(m)
	}
	sync(ms[0])
	if t.Failed() {
		t.FailNow()
	}

	a, b := ms[0].ShAs("rain", "cat .notes"), ms[1].ShAs("rain", "cat .notes")
	if a != b {
		t.Errorf("homes differ after the rounds:\na: %q\nb: %q", a, b)
	}
	// Everything the remote holds, conflict copies included.
	c := exec.Command("git", "-C", remote, "grep", "tok-from", "main", "--")
	c.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_COUNT=1",
		"GIT_CONFIG_KEY_0=safe.directory", "GIT_CONFIG_VALUE_0=*")
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("git grep in the remote: %v\n%s", err, out)
	}
	for _, tok := range []string{"tok-from-a", "tok-from-b"} {
		if !strings.Contains(string(out), tok) {
			t.Errorf("edit %s is lost: the remote holds only\n%s", tok, out)
		}
	}
	if !strings.Contains(string(out), ".hearth-conflicts/") {
		t.Errorf("the same-line edits did not conflict (the test did not test what it says): %s", out)
	}
	if !strings.Contains(a, "tok-from-") {
		t.Errorf("neither edit is in the home: %q", a)
	}
}

// both runs f on every machine at once; a failure in any stops the test
// once all are done.
func both(t *testing.T, ms []*Machine, f func(*Machine)) {
	t.Helper()
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Go(func() { f(m) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}
