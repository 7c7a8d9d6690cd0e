package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// pushFromElsewhere commits files and symlinks (path → link target) on top
// of the remote's main from a clone of its own, as another host or an
// attacker with push access would.
func pushFromElsewhere(t *testing.T, r *testutil.Remote, files, links map[string]string) {
	t.Helper()
	work := filepath.Join(t.TempDir(), "elsewhere")
	testutil.Git(t, "", "clone", "--quiet", "--branch", "main", r.FileURL(), work)
	for p, content := range files {
		writeFile(t, filepath.Join(work, p), content)
	}
	for p, target := range links {
		full := filepath.Join(work, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, full); err != nil {
			t.Fatal(err)
		}
	}
	testutil.Git(t, work, "add", "--all")
	testutil.Git(t, work, "commit", "--quiet", "-m", "from elsewhere")
	testutil.Git(t, work, "push", "--quiet", "origin", "main")
}

func manifestJSON(t *testing.T, cs ...syncer.Conflict) string {
	t.Helper()
	for i := range cs {
		cs[i].Recorded = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		cs[i].WinnerHost, cs[i].LoserHost = "a", "evil"
	}
	b, err := json.MarshalIndent(syncer.Manifest{Version: 1, Conflicts: cs}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// TestConflictsRefuseLinksFromTheRemote: the remote commits a sidecar that
// is a symlink to a key in home, and a manifest entry whose path lies under
// a committed link out of the tree. `conflicts show` prints neither the key
// nor anything beyond the link; `resolve --keep sidecar` refuses both,
// writing nothing outside the source and committing nothing of the key;
// `resolve --keep live` drops the entries, removing only the link itself.
func TestConflictsRefuseLinksFromTheRemote(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")
	const secret = "-----BEGIN OPENSSH PRIVATE KEY----- the key\n"
	key := filepath.Join(h.Home, ".ssh", "id_ed25519")
	writeFile(t, key, secret)
	outside := t.TempDir()

	linkSidecar := syncer.ConflictDir + "/dot_bashrc~evil~aaaaaaaaaa"
	underLink := syncer.ConflictDir + "/.d/x~evil~bbbbbbbbbb"
	pushFromElsewhere(t, r, map[string]string{
		syncer.ManifestPath: manifestJSON(t,
			syncer.Conflict{ID: "aaaaaaaaaa", Path: "dot_bashrc", Sidecar: linkSidecar},
			syncer.Conflict{ID: "bbbbbbbbbb", Path: ".d/x", Sidecar: underLink}),
		underLink: "written beyond the link\n",
	}, map[string]string{linkSidecar: key, ".d": outside})
	h.MustRun(t, "sync")
	source := filepath.Join(h.Root, "source")
	if l, err := os.Readlink(filepath.Join(source, linkSidecar)); err != nil || l != key {
		t.Fatalf("the planted sidecar link did not arrive: %q, %v", l, err)
	}

	list := h.MustRun(t, "conflicts")
	if !strings.Contains(list.Stdout, "aaaaaaaaaa") || !strings.Contains(list.Stdout, "symlink") {
		t.Errorf("conflicts does not list the link sidecar as invalid:\n%s", list.Stdout)
	}
	show := h.Run(t.Context(), "conflicts", "show", "aaaaaaaaaa")
	if strings.Contains(show.Stdout+show.Stderr, "the key") || show.Code == 0 {
		t.Errorf("conflicts show of a link sidecar: exit %d\n%s%s", show.Code, show.Stdout, show.Stderr)
	}
	writeFile(t, filepath.Join(outside, "x"), "outside content\n")
	show = h.Run(t.Context(), "conflicts", "show", "bbbbbbbbbb")
	if strings.Contains(show.Stdout+show.Stderr, "outside content") || show.Code == 0 {
		t.Errorf("conflicts show of a path beneath a link: exit %d\n%s%s", show.Code, show.Stdout, show.Stderr)
	}
	os.Remove(filepath.Join(outside, "x"))

	for _, id := range []string{"aaaaaaaaaa", "bbbbbbbbbb"} {
		if res := h.Run(t.Context(), "conflicts", "resolve", id, "--keep", "sidecar"); res.Code == 0 {
			t.Errorf("resolve %s --keep sidecar was not refused:\n%s%s", id, res.Stdout, res.Stderr)
		}
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("resolve wrote beyond the link: %v", entries)
	}
	if got := readFile(t, filepath.Join(source, "dot_bashrc")); strings.Contains(got, "the key") {
		t.Errorf("the key became the live file")
	}
	h.MustRun(t, "sync")
	if out, _ := testutil.GitErr(r.Dir, "grep", "-l", "the key", "main"); out != "" {
		t.Errorf("the key reached the remote: %s", out)
	}

	for _, id := range []string{"aaaaaaaaaa", "bbbbbbbbbb"} {
		h.MustRun(t, "conflicts", "resolve", id, "--keep", "live")
	}
	if got := readFile(t, key); got != secret {
		t.Errorf("the key after resolving: %q", got)
	}
	if _, err := os.Lstat(filepath.Join(source, linkSidecar)); !os.IsNotExist(err) {
		t.Errorf("the link sidecar is still there: %v", err)
	}
	if out := h.MustRun(t, "conflicts").Stdout; !strings.Contains(out, "no conflicts") {
		t.Errorf("entries left after --keep live:\n%s", out)
	}
	h.MustRun(t, "sync")
}

// TestDisplacedVersionNeverWrittenThroughALink: the remote commits
// .hearth-conflicts as a link to a directory outside everything; a round
// whose capture displaces a source version (home and source both edited
// the same line) keeps that version as a sidecar inside the source, where
// the link was, and writes nothing beyond it.
func TestDisplacedVersionNeverWrittenThroughALink(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")
	victim := t.TempDir()
	pushFromElsewhere(t, r, nil, map[string]string{syncer.ConflictDir: victim})
	h.MustRun(t, "sync")
	source := filepath.Join(h.Root, "source")
	if l, err := os.Readlink(filepath.Join(source, syncer.ConflictDir)); err != nil || l != victim {
		t.Fatalf("the planted link did not arrive: %q, %v", l, err)
	}

	writeFile(t, filepath.Join(source, "dot_bashrc"), "export EDITOR=nano # source edit\nalias ll='ls -l'\n")
	writeFile(t, filepath.Join(h.Home, ".bashrc"), "export EDITOR=emacs # home edit\nalias ll='ls -l'\n")
	if res := h.Run(t.Context(), "sync"); res.Code != 0 {
		t.Fatalf("sync with a displaced version: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if entries, _ := os.ReadDir(victim); len(entries) != 0 {
		t.Errorf("written beyond the link: %v", entries)
	}
	ls := testutil.Git(t, r.Dir, "ls-tree", "-r", "main", syncer.ConflictDir)
	if !strings.Contains(ls, "dot_bashrc~synced~") || strings.Contains(ls, "120000") {
		t.Fatalf("the remote's %s after the round:\n%s", syncer.ConflictDir, ls)
	}
	if out, _ := testutil.GitErr(r.Dir, "grep", "-l", "source edit", "main", "--", syncer.ConflictDir); out == "" {
		t.Errorf("the displaced source edit is in no sidecar")
	}
}
