package dotfiles

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// setupCorpus prepares the corpus fixture: dot entries that must never be
// applied (.git, .hearth-conflicts), a secret for include, and home content
// that exact_ must remove or, when ignored, keep.
func setupCorpus(t testing.TB) *fixture {
	f := newFixture(t, "corpus")
	root := filepath.Join(f.src, "home")
	writeFile(t, filepath.Join(root, ".git", "HEAD"), "ref: refs/heads/main\n", 0o644)
	writeFile(t, filepath.Join(root, ".hearth-conflicts", "dot_bashrc~laptop~abc1234"), "loser\n", 0o644)
	writeFile(t, filepath.Join(root, ".hearth-conflicts", "manifest.json"), "[]\n", 0o644)
	writeFile(t, filepath.Join(f.secrets, "api_key"), "s3cr3t-api-key\n", 0o400)
	writeFile(t, filepath.Join(f.home, ".exact", "junk"), "unmanaged\n", 0o644)
	writeFile(t, filepath.Join(f.home, ".exact", "sub", "deep"), "unmanaged\n", 0o644)
	writeFile(t, filepath.Join(f.home, ".exact", "local-keep"), "ignored, so kept\n", 0o644)
	writeFile(t, filepath.Join(f.home, ".gnupg", "stale.conf"), "removed by exact_\n", 0o644)
	return f
}

func (f *fixture) replacer() *strings.Replacer {
	return strings.NewReplacer(f.home, "$HOME", f.src, "$SOURCE", f.secrets, "$SECRETS")
}

// TestCorpusGolden applies the corpus (every supported attribute, suffix
// and special file) as two hosts and compares each resulting home with its
// golden tree: .chezmoiignore and the templates differ by host name.
func TestCorpusGolden(t *testing.T) {
	testutil.RequireProgram(t, "echo") // the output template function runs it
	for _, host := range []string{"desktop", "laptop"} {
		t.Run(host, func(t *testing.T) {
			f := setupCorpus(t)
			f.opts.Vars.Hostname, f.opts.Vars.FQDNHostname = host, host+".example.org"
			entries := countSourceEntries(t, filepath.Join(f.src, "home"))
			if entries < 30 {
				t.Fatalf("corpus has %d source entries, want at least 30", entries)
			}
			rep := mustApply(t, f.opts)
			if len(rep.Held) != 0 {
				t.Errorf("first apply held %v, want none", rep.Held)
			}
			got := dumpTree(t, f.home, f.replacer())
			var extra strings.Builder
			extra.WriteString("-- unsupported --\n")
			for _, u := range rep.Unsupported {
				fmt.Fprintf(&extra, "%s: %s\n", u.Source, u.Reason)
			}
			golden(t, "corpus."+host+".golden", append(got, extra.String()...))
		})
	}
}

// countSourceEntries counts the files and dirs of a source root, special
// files included.
func countSourceEntries(t testing.TB, root string) int {
	n := 0
	err := filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err == nil && p != root {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
