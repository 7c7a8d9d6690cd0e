package cli_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hearth-fleet/hearth/internal/cli"
)

var updateMan = flag.Bool("update-man", false, "rewrite docs/man from the command tree")

const manDir = "../../docs/man"

// TestManPagesUpToDate fails when docs/man differs from what the command
// tree generates: a command, flag or help text changed without the pages.
func TestManPagesUpToDate(t *testing.T) {
	dir := t.TempDir()
	if err := cli.WriteManPages(dir); err != nil {
		t.Fatal(err)
	}
	if *updateMan {
		if err := os.RemoveAll(manDir); err != nil {
			t.Fatal(err)
		}
		if err := cli.WriteManPages(manDir); err != nil {
			t.Fatal(err)
		}
	}
	got, want := readPages(t, dir), readPages(t, manDir)
	const regen = "regenerate: go test ./internal/cli -run TestManPagesUpToDate -update-man"
	for name, b := range got {
		w, ok := want[name]
		switch {
		case !ok:
			t.Errorf("docs/man lacks %s; %s", name, regen)
		case !bytes.Equal(b, w):
			t.Errorf("docs/man/%s is out of date; %s", name, regen)
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("docs/man/%s names no command any more; %s", name, regen)
		}
	}
	for _, page := range []string{"hearth.1", "hearth-add.1", "hearth-managed.1", "hearth-doctor.1", "hearth-completion.1"} {
		if _, ok := got[page]; !ok {
			t.Errorf("no man page %s generated", page)
		}
	}
}

func readPages(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.1"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	out := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(n)] = b
	}
	return out
}
