package cli_test

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// victims are files and a dir outside every root that the attacker's
// commits point links at. Each holds a unique mark: a mark anywhere in a
// host's files or in any git object means hearth read through a link.
type victims struct {
	root  string // holds dir and file, outside every host's root
	dir   string
	file  string
	marks []string
	snap  map[string]string
	watch *victimWatch
}

func newVictims(t *testing.T, rng *rand.Rand) *victims {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	v := &victims{root: root, dir: filepath.Join(root, "dir"), file: filepath.Join(root, "file")}
	mark := func(what string) string {
		m := fmt.Sprintf("VICTIM-%s-%016x", what, rng.Uint64())
		v.marks = append(v.marks, m)
		return m + "\n"
	}
	// Names a followed link would meet: the planted dir's files, a source
	// file for a .chezmoiroot leading here, a manifest's sidecar.
	files := map[string]string{
		"file":            mark("file"),
		"dir/config":      mark("dir-config"),
		"dir/other":       mark("dir-other"),
		"dir/dot_victim":  mark("dir-dot"),
		"dir/secret":      mark("dir-secret"),
		"dir/inner/deep":  mark("dir-deep"),
		"dir/manifest.js": mark("dir-manifest"),
	}
	for rel, body := range files {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	v.snap = snapshot(t, root)
	v.watch = watchVictims(t, root)
	v.watch.events(t) // the watching walk's own listing of the dirs
	return v
}

// quick reports whatever touched the victims since the last look, without
// opening them; with no inotify it compares a full snapshot.
func (v *victims) quick(t *testing.T, when string) {
	t.Helper()
	if v.watch == nil {
		v.check(t, when)
		return
	}
	for _, e := range v.watch.events(t) {
		t.Errorf("%s: victim touched: %s", when, e)
	}
}

// snapshot maps every entry under root to its type, mode and content.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		desc := fmt.Sprintf("%v uid=%d gid=%d", fi.Mode(), st.Uid, st.Gid)
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += " " + string(b)
		case fi.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			desc += " -> " + l
		}
		rel, _ := filepath.Rel(root, p)
		out[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// check reports any change under the victims' root: content, mode,
// owner, an entry removed or added.
func (v *victims) check(t *testing.T, when string) {
	t.Helper()
	if v.watch != nil {
		v.quick(t, when)
		v.watch = nil // the snapshot below opens them all
	}
	now := snapshot(t, v.root)
	for rel, was := range v.snap {
		if got, ok := now[rel]; !ok {
			t.Errorf("%s: victim %s was removed (was %q)", when, rel, was)
		} else if got != was {
			t.Errorf("%s: victim %s changed: %q, was %q", when, rel, got, was)
		}
	}
	for rel, got := range now {
		if _, ok := v.snap[rel]; !ok {
			t.Errorf("%s: new entry %s among the victims: %q", when, rel, got)
		}
	}
}

// marksIn returns the victim marks found in any regular file under dir
// (links are not followed, .git dirs are left to marksInObjects).
func (v *victims) marksIn(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range v.marks {
			if strings.Contains(string(b), m) {
				found = append(found, m+" in "+p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// marksInObjects returns the victim marks found in any object of the
// repository at dir: every commit, tree and blob, reachable or not.
func (v *victims) marksInObjects(t *testing.T, dir string) []string {
	t.Helper()
	cmd := exec.Command("git", "cat-file", "--batch-all-objects", "--batch")
	cmd.Dir = dir
	cmd.Env = testutil.GitEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git cat-file --batch-all-objects in %s: %v", dir, err)
	}
	var found []string
	for _, m := range v.marks {
		if strings.Contains(string(out), m) {
			found = append(found, m+" in the objects of "+dir)
		}
	}
	return found
}

// appendNoFollow appends s to home/rel when every component is a real
// directory and rel a regular file: the test's own edits must never write
// through a link a round left in home. It reports whether it wrote.
func appendNoFollow(t *testing.T, home, rel, s string) bool {
	t.Helper()
	p := home
	parts := strings.Split(rel, "/")
	for i, name := range parts {
		p = filepath.Join(p, name)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		last := i == len(parts)-1
		if (!last && !fi.IsDir()) || (last && !fi.Mode().IsRegular()) {
			return false
		}
	}
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	return true
}

// regularFiles concatenates every regular file under dir (no links
// followed, .git skipped); a missing dir is empty.
func regularFiles(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == dir {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			c, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b.Write(c)
			b.WriteByte('\n')
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// leftovers lists files a killed run left that the next clean round
// should have swept: git index copies and state temp files.
func leftovers(t *testing.T, gitDir, stateDir string) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{filepath.Join(gitDir, "hearth-index-*"), filepath.Join(stateDir, ".*.tmp-*")} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	sort.Strings(out)
	return out
}

// readNoFollow reads root/rel when every component is a real directory
// and rel a regular file.
func readNoFollow(root, rel string) (string, bool) {
	p := root
	parts := strings.Split(rel, "/")
	for i, name := range parts {
		if name == "" || name == "." || name == ".." {
			return "", false
		}
		p = filepath.Join(p, name)
		fi, err := os.Lstat(p)
		if err != nil {
			return "", false
		}
		last := i == len(parts)-1
		if (!last && !fi.IsDir()) || (last && !fi.Mode().IsRegular()) {
			return "", false
		}
	}
	b, err := os.ReadFile(p)
	return string(b), err == nil
}
