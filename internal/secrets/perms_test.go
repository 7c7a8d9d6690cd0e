package secrets

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoFileReadableByOthersUnlessModeSaysSo installs several generations
// with a mix of modes and walks every generation: a file is readable by
// others only when its configured mode grants it, directories never let
// others list them, and the recorded chowns match the configured owners.
func TestNoFileReadableByOthersUnlessModeSaysSo(t *testing.T) {
	f := newFixture(t)
	modes := map[string]os.FileMode{
		"private": 0o400, "group": 0o440, "rw": 0o600, "sub/dir/nested": 0o400, "public": 0o444,
	}
	o := f.opts()
	for run := 0; run < 3; run++ {
		file := f.sops("s.yaml", "yaml", "v: value-"+string(rune('a'+run))+"\n")
		o.Secrets = nil
		for name, mode := range modes {
			o.Secrets = append(o.Secrets, Spec{Name: name, SopsFile: file, Key: "v", Mode: mode, Owner: "rain", Group: "media"})
		}
		f.install(o)
	}
	gens := o.Root + ".d"
	seen := 0
	err := filepath.WalkDir(gens, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		perm := fi.Mode().Perm()
		if d.IsDir() {
			if perm&0o004 != 0 || perm&0o022 != 0 {
				t.Errorf("dir %s has mode %v: others may list it or someone else may write", p, perm)
			}
			return nil
		}
		if p == filepath.Join(gens, markerName) {
			return nil
		}
		seen++
		rel, err := filepath.Rel(gens, p)
		if err != nil {
			return err
		}
		name := rel[strings.IndexByte(rel, '/')+1:]
		want, ok := modes[name]
		if !ok {
			t.Errorf("unexpected file %s", p)
			return nil
		}
		if perm != want {
			t.Errorf("%s has mode %v, want %v", p, perm, want)
		}
		if perm&0o004 != 0 && want&0o004 == 0 {
			t.Errorf("%s is readable by others", p)
		}
		if os.Geteuid() == 0 {
			uid, gid, _ := fileStat(fi)
			if uid != 4101 || gid != 4200 {
				t.Errorf("%s owned by %d:%d, want rain:media (4101:4200)", p, uid, gid)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(modes)*DefaultKeep {
		t.Errorf("walked %d files, want %d (%d per generation)", seen, len(modes)*DefaultKeep, len(modes))
	}
	f.owners.mu.Lock()
	defer f.owners.mu.Unlock()
	if len(f.owners.calls) != len(modes)*3 {
		t.Errorf("recorded %d chowns, want %d", len(f.owners.calls), len(modes)*3)
	}
	for _, c := range f.owners.calls {
		if !strings.HasSuffix(c, " 4101:4200") {
			t.Errorf("chown %s, want 4101:4200", c)
		}
	}
}

// TestFileNeverVisibleWithLooseMode checks the write order: a secret file is
// created 0600 and only reaches its final mode and owner inside the private
// temp dir, which is 0700 until it is published.
func TestFileNeverVisibleWithLooseMode(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(f.dir, "gen")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	var atChown os.FileMode
	owners := chownHook{recOwners: f.owners, hook: func(path string) {
		fi, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		atChown = fi.Mode().Perm()
	}}
	p := planned{spec: Spec{Name: "x", SopsFile: "s.yaml", Mode: 0o444, Owner: "rain"}, value: []byte("v"), own: ownership{uid: 4101, gid: 4100}}
	if err := writeSecret(dir, p, owners); err != nil {
		t.Fatal(err)
	}
	if atChown != 0o600 {
		t.Errorf("mode at chown time = %v, want 0600 (final mode only after the owner is set)", atChown)
	}
	fi, err := os.Stat(filepath.Join(dir, "x"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o444 {
		t.Errorf("final mode %v, want 0444", fi.Mode().Perm())
	}
}

type chownHook struct {
	*recOwners
	hook func(path string)
}

func (c chownHook) Chown(path string, uid, gid int) error {
	c.hook(path)
	return c.recOwners.Chown(path, uid, gid)
}
