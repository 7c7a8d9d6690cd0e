package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestFileDirConflictResolves: the remote turns ~/.notes from a file into
// a directory while a host edits the file, or the reverse. The round
// keeps the loser as a sidecar and home follows the source (no target
// held "not a directory"); resolving with either side ends with home and
// source holding the chosen version, and the next sync changes nothing
// and holds nothing.
func TestFileDirConflictResolves(t *testing.T) {
	testutil.RequireProgram(t, "git")
	for _, tt := range []struct {
		name     string
		dirFirst bool // home starts with the directory; the remote makes it a file
		keep     string
	}{
		{"remote made a dir, keep live", false, syncer.KeepLive},
		{"remote made a dir, keep sidecar", false, syncer.KeepSidecar},
		{"remote made a file, keep live", true, syncer.KeepLive},
		{"remote made a file, keep sidecar", true, syncer.KeepSidecar},
	} {
		t.Run(tt.name, func(t *testing.T) {
			seed := map[string]string{"dot_bashrc": "export A=1\n", "dot_notes": "notes\n"}
			if tt.dirFirst {
				seed = map[string]string{"dot_bashrc": "export A=1\n", "dot_notes/inner": "inner\n"}
			}
			r := testutil.NewRemote(t)
			r.SeedMain(t, seed)
			h := dotfileHosts(t, r.FileURL(), "a")[0]
			h.MustRun(t, "sync")
			notes := filepath.Join(h.Home, ".notes")
			homeEdit, remoteFile := filepath.Join(notes), "notes\n"
			if tt.dirFirst {
				homeEdit = filepath.Join(notes, "inner")
				remoteFile = "the remote's file\n"
			}
			appendFile(t, homeEdit, "# edited on a\n")

			work := filepath.Join(t.TempDir(), "elsewhere")
			testutil.Git(t, "", "clone", "--quiet", "--branch", "main", r.FileURL(), work)
			testutil.Git(t, work, "rm", "-r", "--quiet", "dot_notes")
			if tt.dirFirst {
				writeFile(t, filepath.Join(work, "dot_notes"), remoteFile)
			} else {
				writeFile(t, filepath.Join(work, "dot_notes", "inner"), "now a dir\n")
			}
			testutil.Git(t, work, "add", "--all")
			testutil.Git(t, work, "commit", "--quiet", "-m", "notes change kind")
			testutil.Git(t, work, "push", "--quiet", "origin", "main")

			clean := func(when string) {
				t.Helper()
				res := h.MustRun(t, "sync")
				if out := res.Stdout + res.Stderr; strings.Contains(out, "held") {
					t.Fatalf("%s: sync holds targets:\n%s", when, out)
				}
			}
			clean("the round that met the conflict")
			clean("the round after")
			src := filepath.Join(h.Root, "source")
			m, err := syncer.ReadManifest(src)
			if err != nil || len(m.Conflicts) != 1 {
				t.Fatalf("manifest: %v, %+v", err, m)
			}
			sidecar := readFileOr(filepath.Join(src, m.Conflicts[0].Sidecar))
			h.MustRun(t, "conflicts", "resolve", m.Conflicts[0].ID, "--keep", tt.keep)
			clean("the round after the resolve")
			clean("the next round")

			wantDir := true // the directory won the merge: live is a dir
			if tt.keep == syncer.KeepSidecar {
				wantDir = !wantDir
			}
			st, err := os.Lstat(notes)
			if err != nil || st.IsDir() != wantDir {
				t.Fatalf("home .notes: %v, dir %v; want dir %v", err, err == nil && st.IsDir(), wantDir)
			}
			if !wantDir {
				if got := readFileOr(notes); got != sidecar {
					t.Errorf("home .notes = %q, want the kept version %q", got, sidecar)
				}
				if got := readFileOr(filepath.Join(src, "dot_notes")); got != sidecar {
					t.Errorf("source dot_notes = %q, want %q", got, sidecar)
				}
			} else if _, err := os.Stat(filepath.Join(notes, "inner")); err != nil {
				t.Errorf("home .notes/inner: %v", err)
			}
			if m, err := syncer.ReadManifest(src); err != nil || len(m.Conflicts) != 0 {
				t.Errorf("after the resolve the manifest holds %+v (%v)", m, err)
			}
			if out := testutil.Git(t, src, "status", "--porcelain"); strings.TrimSpace(out) != "" {
				t.Errorf("source not clean after the rounds:\n%s", out)
			}
		})
	}
}
