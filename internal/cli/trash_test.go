package cli_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

type trashEntry struct {
	ID     string `json:"id"`
	Path   string `json:"path"`
	Reason string `json:"reason"`
	Kind   string `json:"kind"`
}

func trashList(t *testing.T, h *clitest.Host) map[string]trashEntry {
	t.Helper()
	var list []trashEntry
	if err := json.Unmarshal([]byte(h.MustRun(t, "trash", "list", "--json").Stdout), &list); err != nil {
		t.Fatal(err)
	}
	out := map[string]trashEntry{}
	for _, e := range list {
		out[e.Path] = e
	}
	return out
}

// wantFile checks content and mode of a file.
func wantFile(t *testing.T, p, content string, perm os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	if got := readFile(t, p); got != content || fi.Mode().Perm() != perm {
		t.Errorf("%s: got %q mode %04o, want %q mode %04o", p, got, fi.Mode().Perm(), content, perm)
	}
}

func mkfile(t *testing.T, p, content string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil {
		t.Fatal(err)
	}
}

// TestExactTrashesWhatHearthNeverWrote: a pushed exact_private_dot_ssh/ and
// exact_Documents/.keep meet a home whose ~/.ssh holds a key and whose
// ~/Documents holds a thesis hearth never wrote. Sync moves both into the
// trash (never unlinks them); status points at it; restore brings them
// back byte-identical with their modes.
func TestExactTrashesWhatHearthNeverWrote(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	seed := maps.Clone(dotfilesSeed)
	delete(seed, "private_dot_ssh/config")
	seed["exact_private_dot_ssh/config"] = "Host *\n\tServerAliveInterval 30\n"
	seed["exact_Documents/.keep"] = ""
	r.SeedMain(t, seed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	key := filepath.Join(h.Home, ".ssh", "id_ed25519")
	thesis := filepath.Join(h.Home, "Documents", "thesis")
	mkfile(t, key, "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n", 0o600)
	mkfile(t, filepath.Join(thesis, "chapter1.tex"), "\\chapter{One}\n", 0o640)
	if err := os.Chmod(filepath.Join(h.Home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(thesis, 0o750); err != nil {
		t.Fatal(err)
	}

	out := h.MustRun(t, "sync").Stdout
	if !strings.Contains(out, "trashed "+key) {
		t.Errorf("sync does not report the key it moved into the trash:\n%s", out)
	}
	if _, err := os.Lstat(key); err == nil {
		t.Fatalf("exact_ left an unmanaged file in place, expected it in the trash")
	}
	list := trashList(t, h)
	k, ok1 := list[".ssh/id_ed25519"]
	d, ok2 := list["Documents/thesis"]
	if !ok1 || !ok2 {
		t.Fatalf("the trash lacks the key or the thesis (exact_ deleted them?): %+v", list)
	}
	if !strings.Contains(k.Reason, "exact_") || d.Kind != "dir" {
		t.Errorf("trash entries lack the reason or kind: %+v %+v", k, d)
	}
	if st := h.MustRun(t, "status").Stdout; !strings.Contains(st, "2 item(s) in the trash") {
		t.Errorf("status does not point at the trash:\n%s", st)
	}

	h.MustRun(t, "trash", "restore", key)
	wantFile(t, key, "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n", 0o600)
	res := h.MustRun(t, "trash", "restore", d.ID)
	if !strings.Contains(res.Stdout, "the next apply would remove it again") {
		t.Errorf("restore does not warn that exact_ would trash it again:\n%s", res.Stdout)
	}
	wantFile(t, filepath.Join(thesis, "chapter1.tex"), "\\chapter{One}\n", 0o640)
	if fi, err := os.Lstat(thesis); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("restored dir: %v %v", fi, err)
	}
	if n := len(trashList(t, h)); n != 0 {
		t.Errorf("restored entries still listed: %d", n)
	}
	// Restored into exact_ dirs, they are trashed again by the next round;
	// purge is the only way out of the trash.
	h.MustRun(t, "sync")
	list = trashList(t, h)
	if len(list) != 2 {
		t.Fatalf("exact_ did not trash the restored items again: %+v", list)
	}
	if res := h.Run(t.Context(), "trash", "purge", ".ssh/id_ed25519"); res.Code == 0 {
		t.Error("purge took a path instead of an id")
	}
	h.MustRun(t, "trash", "purge", list[".ssh/id_ed25519"].ID, list["Documents/thesis"].ID)
	if n := len(trashList(t, h)); n != 0 {
		t.Errorf("purged entries still listed: %d", n)
	}
}

// TestApplyForceKeepsPreexistingFile: a new host's own ~/.bashrc is held;
// apply --force replaces it but keeps the old one in the trash; restore
// refuses to overwrite the new one without --force, and with it brings the
// old one back byte-identical, the replaced one going to the trash.
func TestApplyForceKeepsPreexistingFile(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	bashrc := filepath.Join(h.Home, ".bashrc")
	own := "# this host's own bashrc\nexport PATH=$HOME/bin:$PATH\n"
	mkfile(t, bashrc, own, 0o640)
	if out := h.MustRun(t, "sync").Stdout; !strings.Contains(out, "held .bashrc") {
		t.Fatalf("pre-existing .bashrc not held:\n%s", out)
	}
	out := h.MustRun(t, "apply", "--force").Stdout
	if !strings.Contains(out, "trashed "+bashrc) {
		t.Errorf("apply --force does not report keeping the old file:\n%s", out)
	}
	wantFile(t, bashrc, dotfilesSeed["dot_bashrc"], 0o644)
	if _, ok := trashList(t, h)[".bashrc"]; !ok {
		t.Fatal("apply --force destroyed the pre-existing .bashrc: not in the trash")
	}
	refused := h.Run(t.Context(), "trash", "restore", bashrc)
	if refused.Code == 0 || !strings.Contains(refused.Stderr, "exists there now") || !strings.Contains(refused.Stderr, "--force") {
		t.Errorf("restore over an existing file: exit %d\n%s", refused.Code, refused.Stderr)
	}
	wantFile(t, bashrc, dotfilesSeed["dot_bashrc"], 0o644)
	res := h.MustRun(t, "trash", "restore", "--force", bashrc)
	wantFile(t, bashrc, own, 0o640)
	if e, ok := trashList(t, h)[".bashrc"]; !ok || !strings.Contains(e.Reason, "restoring") {
		t.Errorf("restore --force did not keep the file it replaced: %+v", e)
	}
	// Restored as it was before: not hearth's, so held, not captured and
	// sent to every host.
	if !strings.Contains(res.Stdout, "held") {
		t.Errorf("restore does not say the file is held now:\n%s", res.Stdout)
	}
	if out := h.MustRun(t, "sync").Stdout; !strings.Contains(out, "held .bashrc") {
		t.Errorf("restored file not held:\n%s", out)
	}
	wantFile(t, bashrc, own, 0o640)
	if got := testutil.Git(t, r.Dir, "show", "main:dot_bashrc"); strings.Contains(got, "own bashrc") {
		t.Errorf("the restored host file was pushed to the remote:\n%s", got)
	}
}

// TestDiffShowsHeldContentAndSource: hearth diff on a held target prints a
// unified diff from home to what the source would write, and the source
// file to edit.
func TestDiffShowsHeldContentAndSource(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	mkfile(t, filepath.Join(h.Home, ".bashrc"), "# this host's own bashrc\n", 0o644)
	h.MustRun(t, "sync")
	out := h.MustRun(t, "diff").Stdout
	for _, want := range []string{
		"held .bashrc",
		"--- a/.bashrc",
		"+++ b/.bashrc",
		"-# this host's own bashrc",
		"+export EDITOR=vi",
		filepath.Join(h.Root, "source", "dot_bashrc"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diff lacks %q:\n%s", want, out)
		}
	}
}
