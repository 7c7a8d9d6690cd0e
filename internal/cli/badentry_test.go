package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// pushTree commits to the remote's main through a temporary clone: files
// (path -> content), symlinks (path -> link text) and removals, so a test
// can commit what SeedMain cannot (links, deletions).
func pushTree(t *testing.T, r *testutil.Remote, files, links map[string]string, remove ...string) {
	t.Helper()
	work := filepath.Join(t.TempDir(), "push")
	testutil.Git(t, "", "clone", "--quiet", r.FileURL(), work)
	testutil.Git(t, work, "checkout", "--quiet", "-B", "main")
	for _, p := range remove {
		testutil.Git(t, work, "rm", "-r", "--quiet", p)
	}
	for p, content := range files {
		full := filepath.Join(work, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for p, link := range links {
		full := filepath.Join(work, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(link, full); err != nil {
			t.Fatal(err)
		}
	}
	testutil.Git(t, work, "add", "--all")
	testutil.Git(t, work, "commit", "--quiet", "--allow-empty", "-m", "push")
	testutil.Git(t, work, "push", "--quiet", "origin", "main")
}

// heldTargets runs status --json and maps each held target to its reason.
func heldTargets(t *testing.T, h *clitest.Host) map[string]string {
	t.Helper()
	var st struct {
		Held []struct{ Target, Reason string } `json:"held_targets"`
	}
	if err := json.Unmarshal([]byte(h.MustRun(t, "status", "--json").Stdout), &st); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range st.Held {
		out[c.Target] = c.Reason
	}
	return out
}

// TestBadEntriesAreHeldAndTheRestSync: a template with a syntax error, a
// file over the size cap, a dot_. name and a template including a FIFO
// are each held (sync, apply and status name them) while every other entry
// applies, home edits of the others are captured and pushed, and a fix
// pushed to the remote is merged and applied on the next round. Exit
// status 0 throughout.
func TestBadEntriesAreHeldAndTheRestSync(t *testing.T) {
	testutil.RequireProgram(t, "git")
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	r := testutil.NewRemote(t)
	seed := map[string]string{
		"dot_broken.tmpl":  "{{ if }}\n",
		"dot_big":          strings.Repeat("x", 4096),
		"dot_./dot_inside": "x\n",
		"dot_fifo.tmpl":    "{{ include \"" + fifo + "\" }}\n",
	}
	for k, v := range dotfilesSeed {
		seed[k] = v
	}
	r.SeedMain(t, seed)
	hs := dotfileHosts(t, r.FileURL(), "a", "b")
	for _, h := range hs {
		cfg, err := os.ReadFile(h.Config)
		if err != nil {
			t.Fatal(err)
		}
		h.WriteConfig(t, strings.SplitN(string(cfg), "\n", 3)[2]+"max_file_size = 2048\n")
	}
	a, b := hs[0], hs[1]
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	res := a.Run(ctx, "sync")
	if res.Code != 0 {
		t.Fatalf("sync with bad entries: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if got := readFile(t, filepath.Join(a.Home, ".bashrc")); got != dotfilesSeed["dot_bashrc"] {
		t.Errorf(".bashrc = %q: the good entries were not applied", got)
	}
	for _, target := range []string{".broken", ".big", "dot_.", ".fifo"} {
		if !strings.Contains(res.Stdout, "held "+target+":") {
			t.Errorf("sync does not report %s held:\n%s", target, res.Stdout)
		}
	}
	held := heldTargets(t, a)
	for target, want := range map[string]string{
		".broken": "dot_broken.tmpl:1", ".big": "over the limit of 2048", "dot_.": "invalid source name", ".fifo": fifo,
	} {
		if !strings.Contains(held[target], want) {
			t.Errorf("status: %s held for %q, want a reason with %q", target, held[target], want)
		}
	}
	for _, p := range []string{".broken", ".big", ".fifo", ".inside"} {
		if _, err := os.Lstat(filepath.Join(a.Home, p)); err == nil {
			t.Errorf("held target %s was written", p)
		}
	}
	if res := a.Run(ctx, "apply"); res.Code != 0 || !strings.Contains(res.Stdout, "held .broken") {
		t.Errorf("apply: exit %d, want 0 listing .broken held\n%s%s", res.Code, res.Stdout, res.Stderr)
	}

	// Capture, commit and push still run for the other entries.
	appendFile(t, filepath.Join(a.Home, ".bashrc"), "# edit on a\n")
	a.MustRun(t, "sync")
	b.MustRun(t, "sync")
	if !strings.Contains(readFile(t, filepath.Join(b.Home, ".bashrc")), "# edit on a") {
		t.Error("a home edit did not propagate past the bad entries")
	}

	// A fix pushed to the remote reaches the host.
	pushTree(t, r, map[string]string{"dot_broken.tmpl": "fixed {{ .hearth.host }}\n"}, nil)
	a.MustRun(t, "sync")
	if got := readFile(t, filepath.Join(a.Home, ".broken")); got != "fixed a\n" {
		t.Errorf("fixed template not applied: %q", got)
	}
}

// TestBrokenRootHoldsEverythingAndRecovers: a .chezmoiroot that is a
// symlink to /dev/zero holds everything (one held entry naming it, exit 0)
// without losing a home edit made meanwhile; once the remote removes it
// the next round merges the fix, and the edit is captured and pushed.
func TestBrokenRootHoldsEverythingAndRecovers(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	hs := dotfileHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.MustRun(t, "sync")
	pushTree(t, r, nil, map[string]string{".chezmoiroot": "/dev/zero"})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	res := a.Run(ctx, "sync")
	if res.Code != 0 {
		t.Fatalf("sync with a .chezmoiroot symlink: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if reason := heldTargets(t, a)["."]; !strings.Contains(reason, ".chezmoiroot") {
		t.Errorf("status does not hold the source naming .chezmoiroot: %q", reason)
	}
	appendFile(t, filepath.Join(a.Home, ".bashrc"), "# edit while broken\n")
	if res := a.Run(ctx, "sync"); res.Code != 0 {
		t.Fatalf("second round: exit %d\n%s", res.Code, res.Stderr)
	}
	if !strings.Contains(readFile(t, filepath.Join(a.Home, ".bashrc")), "# edit while broken") {
		t.Fatal("home edit lost while the source was broken")
	}
	pushTree(t, r, nil, nil, ".chezmoiroot")
	a.MustRun(t, "sync")
	a.MustRun(t, "sync")
	b.MustRun(t, "sync")
	if !strings.Contains(readFile(t, filepath.Join(b.Home, ".bashrc")), "# edit while broken") {
		t.Error("the edit made while the source was broken never propagated")
	}
	if held := heldTargets(t, a); len(held) != 0 {
		t.Errorf("still held after the fix: %v", held)
	}
}
