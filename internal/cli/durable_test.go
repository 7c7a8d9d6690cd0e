package cli_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

var syncCall = regexp.MustCompile(`(?m)^\d+\s+(fsync|fdatasync|syncfs|sync_file_range)\(`)

// TestFirstApplySyncsPerDirectoryNotPerFile: a real `hearth apply` process
// writing 1,000 new files in 10 directories, traced by strace, makes them
// durable with a number of sync calls bounded by the directories (one
// syncfs per filesystem, plus the few state files), not one or two
// fsyncs per file.
func TestFirstApplySyncsPerDirectoryNotPerFile(t *testing.T) {
	strace := testutil.RequireProgram(t, "strace")
	h := clitest.NewHost(t, "a")
	src := filepath.Join(h.Root, "source")
	h.WriteConfig(t, fmt.Sprintf("[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\n",
		"file:///nonexistent", src, h.Home))
	const dirs, perDir = 10, 100
	for d := range dirs {
		if err := os.MkdirAll(filepath.Join(src, fmt.Sprintf("dot_d%d", d)), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range perDir {
			if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("dot_d%d/f%03d", d, i)), fmt.Appendf(nil, "%d/%d\n", d, i), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	trace := filepath.Join(t.TempDir(), "strace.out")
	cmd := exec.Command(strace, "-f", "-qq", "-o", trace, "-e", "trace=fsync,fdatasync,syncfs,sync_file_range", os.Args[0], "apply")
	cmd.Env = append(os.Environ(), "HEARTH_TEST_AS_MAIN=1", "HEARTH_CONFIG="+h.Config, "HOME="+h.Home)
	if out, err := cmd.CombinedOutput(); err != nil {
		if strings.Contains(string(out), "ptrace") {
			testutil.Missing(t, fmt.Sprintf("strace cannot trace here: %v\n%s", err, out))
			return
		}
		t.Fatalf("hearth apply: %v\n%s", err, out)
	}
	if got := readFile(t, filepath.Join(h.Home, ".d9", "f099")); got != "9/99\n" {
		t.Fatalf("apply did not write the files: %q", got)
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	n := len(syncCall.FindAll(b, -1))
	if n == 0 || n > 2*dirs+20 {
		t.Errorf("%d sync calls for %d files in %d directories; want at most %d", n, dirs*perDir, dirs, 2*dirs+20)
	}
	t.Logf("%d sync calls", n)
}

// TestKilledBeforeSyncThenPowerCutIsNotCaptured: a real `hearth sync`
// process is killed at its batch sync (strace injects SIGKILL into
// syncfs), after renaming 20 updated files into home and before saving
// their records; a power cut then would leave them empty (simulated by
// truncating them). The next round must write them again, not capture
// the emptied files and push them to every host.
func TestKilledBeforeSyncThenPowerCutIsNotCaptured(t *testing.T) {
	testutil.RequireProgram(t, "git")
	strace := testutil.RequireProgram(t, "strace")
	r := testutil.NewRemote(t)
	seed := map[string]string{}
	for i := range 20 {
		seed[fmt.Sprintf("dot_many/f%02d", i)] = fmt.Sprintf("v1 %d\n", i)
	}
	r.SeedMain(t, seed)
	hs := dotfileHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.MustRun(t, "sync")
	b.MustRun(t, "sync")
	for i := range 20 {
		if err := os.WriteFile(filepath.Join(b.Home, ".many", fmt.Sprintf("f%02d", i)), fmt.Appendf(nil, "v2 %d\n", i), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b.MustRun(t, "sync")

	cmd := exec.Command(strace, "-f", "-qq", "-o", os.DevNull, "-e", "trace=syncfs", "-e", "inject=syncfs:signal=KILL", os.Args[0], "sync")
	cmd.Env = append(os.Environ(), "HEARTH_TEST_AS_MAIN=1", "HEARTH_CONFIG="+a.Config, "HOME="+a.Home)
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "ptrace") {
		testutil.Missing(t, "strace cannot trace here: "+string(out))
	}
	if err == nil {
		t.Fatalf("the sync was not killed at its syncfs:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(a.StateDir, "dotfiles-targets.json.unsynced")); err != nil {
		t.Fatalf("no pending list after the kill (killed elsewhere?): %v\n%s", err, out)
	}
	for i := range 20 {
		p := filepath.Join(a.Home, ".many", fmt.Sprintf("f%02d", i))
		if got := readFile(t, p); got != fmt.Sprintf("v2 %d\n", i) {
			t.Fatalf("%s before the simulated power cut: %q", p, got)
		}
		if err := os.Truncate(p, 0); err != nil {
			t.Fatal(err)
		}
	}

	a.MustRun(t, "sync")
	for i := range 20 {
		name := fmt.Sprintf("f%02d", i)
		want := fmt.Sprintf("v2 %d\n", i)
		if got := readFile(t, filepath.Join(a.Home, ".many", name)); got != want {
			t.Errorf("home %s after the next round: %q, want %q", name, got, want)
		}
		if got := testutil.Git(t, r.Dir, "show", "main:dot_many/"+name); got+"\n" != want && got != want {
			t.Errorf("remote %s: %q, want %q (a torn file was captured and pushed)", name, got, want)
		}
	}
}
