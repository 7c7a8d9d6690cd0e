package dotfiles

import (
	"github.com/hearth-fleet/hearth/internal/textdiff"

	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// fixture is one test host: a copy of a source dir, a home and a state file.
type fixture struct {
	src, home, secrets string
	opts               Options
}

// newFixture copies testdata/<corpus> into a temp source dir and returns
// options describing a deterministic host named "desktop".
func newFixture(t testing.TB, corpus string) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{src: filepath.Join(dir, "src"), home: filepath.Join(dir, "home"), secrets: filepath.Join(dir, "secrets")}
	if corpus != "" {
		copyTree(t, filepath.Join("testdata", corpus), f.src)
	} else if err := os.MkdirAll(f.src, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{f.home, f.secrets} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	identity, err := filepath.Abs(filepath.Join("testdata", "age-test-identity.txt"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HEARTH_TEST_EDITOR": "nvim"}
	// The corpus's externals come from here: tests never reach the network.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/plug.vim" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "\" plug.vim, served by the test\n")
	}))
	t.Cleanup(srv.Close)
	f.opts = Options{
		SourceDir: f.src,
		TargetDir: f.home,
		StatePath: filepath.Join(dir, "state", "dotfiles.json"),
		Vars: Vars{Hostname: "desktop", FQDNHostname: "desktop.example.org", OS: "linux", Arch: "amd64",
			Username: "rain", Group: "rain", UID: "1000", GID: "1000", HomeDir: f.home,
			OSRelease: map[string]any{"id": "nixos"}},
		Data:             map[string]any{"secretsDir": f.secrets, "externalBase": srv.URL},
		AgeIdentityFiles: []string{identity},
		Umask:            0o022,
		Getenv:           func(k string) string { return env[k] },
	}
	return f
}

func copyTree(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, path, content string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dumpTree renders a directory as a txtar archive: the comment lists every
// entry with kind and mode (links with their target), the files follow.
// Temp paths are replaced by $HOME and $SOURCE so the result is stable.
func dumpTree(t testing.TB, root string, repl *strings.Replacer) []byte {
	t.Helper()
	var listing bytes.Buffer
	var ar txtar.Archive
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&listing, "symlink %s -> %s\n", rel, repl.Replace(l))
		case fi.IsDir():
			fmt.Fprintf(&listing, "dir     %s %04o\n", rel, fi.Mode().Perm())
		default:
			fmt.Fprintf(&listing, "file    %s %04o\n", rel, fi.Mode().Perm())
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			ar.Files = append(ar.Files, txtar.File{Name: rel, Data: []byte(repl.Replace(string(b)))})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ar.Comment = listing.Bytes()
	return txtar.Format(&ar)
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t testing.TB, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s",
			p, textdiff.Unified("want", "got", want, got))
	}
}

func mustApply(t testing.TB, opts Options) *ApplyReport {
	t.Helper()
	rep, err := Apply(context.Background(), opts)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return rep
}

func mustCapture(t testing.TB, opts Options) *CaptureReport {
	t.Helper()
	rep, err := Capture(context.Background(), opts)
	if err != nil {
		t.Fatalf("Capture: %v", err)
	}
	return rep
}

// heldText lists held changes one a line: target, source and reason.
func heldText(held []*Change) string {
	var b strings.Builder
	for _, c := range held {
		fmt.Fprintf(&b, "%s (%s): %s\n", c.Target, c.Source, c.Reason)
	}
	return b.String()
}
