package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestKilledWorkTreeWritesTempFilesAreSwept: a run killed while writing the
// conflict manifest, a sidecar or (resolve) a live file leaves
// ".<name>.tmp-<pid>-<n>" in the work tree. The next round removes those of
// processes that are gone and commits none of them; other names and a
// running process's temporary file are left alone.
func TestKilledWorkTreeWritesTempFilesAreSwept(t *testing.T) {
	testutil.RequireProgram(t, "git")
	testutil.RequireProgram(t, "true")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_notes": "one\ntwo\nthree\n", "dot_bashrc": "export A=1\n"})
	hs := dotfileHosts(t, r.FileURL(), "a", "b")
	for _, h := range hs {
		h.MustRun(t, "sync")
	}
	// The same line changed on both (appends alone would both be kept).
	writeFile(t, filepath.Join(hs[0].Home, ".notes"), "one\ntwo # from a\nthree\n")
	writeFile(t, filepath.Join(hs[1].Home, ".notes"), "one\ntwo # from b\nthree\n")
	hs[0].MustRun(t, "sync")
	h := hs[1]
	h.MustRun(t, "sync") // one conflict on dot_notes, so the manifest lists it
	src := filepath.Join(h.Root, "source")

	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	dead := strconv.Itoa(gone.Process.Pid)
	alive := strconv.Itoa(os.Getpid())
	left := map[string]bool{ // path in the work tree -> must be swept
		syncer.ConflictDir + "/.manifest.json.tmp-" + dead + "-0":     true,
		syncer.ConflictDir + "/.dot_notes~a~x.tmp-" + dead + "-3":     true,
		syncer.ConflictDir + "/sub/.dot_notes~b~y.tmp-" + dead + "-0": true,
		".dot_notes.tmp-" + dead + "-0":                               true, // beside a listed live file
		syncer.ConflictDir + "/.manifest.json.tmp-" + alive + "-0":    false,
		syncer.ConflictDir + "/manifest.json.tmp-" + dead + "-0":      false, // not hearth's name
		syncer.ConflictDir + "/.notes.tmp-x-0":                        false,
	}
	for p := range left {
		writeFile(t, filepath.Join(src, filepath.FromSlash(p)), "half written")
	}
	h.MustRun(t, "sync")
	for p, swept := range left {
		_, err := os.Lstat(filepath.Join(src, filepath.FromSlash(p)))
		if isGone := os.IsNotExist(err); isGone != swept {
			t.Errorf("%s: removed %v, want %v (%v)", p, isGone, swept, err)
		}
	}
	for _, f := range strings.Split(testutil.Git(t, src, "ls-tree", "-r", "--name-only", "HEAD"), "\n") {
		if base := filepath.Base(f); strings.HasPrefix(base, ".") && strings.Contains(base, ".tmp-") {
			t.Errorf("a temporary file was committed: %s", f)
		}
	}
}
