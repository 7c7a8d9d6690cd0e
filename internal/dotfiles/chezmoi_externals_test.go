package dotfiles

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExternalsAgreeWithChezmoi applies one source with file, archive
// (stripComponents, exclude, exact) and archive-file externals, served
// from 127.0.0.1, and an external_ directory, with the real chezmoi and
// with hearth into the same home path from the same start: the homes end
// identical.
func TestExternalsAgreeWithChezmoi(t *testing.T) {
	bin := realChezmoi(t)
	srv := newExtServer(t)
	srv.set("/tool", []byte("#!/bin/sh\necho tool\n"))
	srv.set("/pkg.tar.gz", tarGz(t, []member{
		{name: "pkg-1.0/", dir: true, mode: 0o755},
		{name: "pkg-1.0/bin/", dir: true, mode: 0o700},
		{name: "pkg-1.0/bin/run", body: "run\n", mode: 0o755},
		{name: "pkg-1.0/share/", dir: true, mode: 0o755},
		{name: "pkg-1.0/share/doc", body: "doc\n", mode: 0o644},
		{name: "pkg-1.0/share/empty", body: "", mode: 0o600},
		{name: "pkg-1.0/share/link", link: "doc"},
		{name: "pkg-1.0/tests/", dir: true, mode: 0o755},
		{name: "pkg-1.0/tests/t", body: "t\n"},
	}))
	root := t.TempDir()
	src, home, cz := filepath.Join(root, "src"), filepath.Join(root, "home"), filepath.Join(root, "cz")
	writeFile(t, filepath.Join(src, ".chezmoiexternal.toml"), strings.ReplaceAll(`[".local/bin/tool"]
type = "file"
url = "BASE/tool"
executable = true
[".pkg"]
type = "archive"
url = "BASE/pkg.tar.gz"
stripComponents = 1
exact = true
exclude = ["*/tests"]
[".doc"]
type = "archive-file"
url = "BASE/pkg.tar.gz"
path = "pkg-1.0/share/doc"
`, "BASE", srv.URL), 0o644)
	// An external_ directory: names literal, modes kept, subdirs exact.
	writeFile(t, filepath.Join(src, "external_dot_vendor/dot_literal.tmpl"), "{{ not a template }}\n", 0o644)
	writeFile(t, filepath.Join(src, "external_dot_vendor/run.sh"), "#!/bin/sh\n", 0o755)
	writeFile(t, filepath.Join(src, "external_dot_vendor/empty"), "", 0o644)
	writeFile(t, filepath.Join(src, "external_dot_vendor/sub/x"), "x\n", 0o600)
	seed := func() {
		if err := os.RemoveAll(home); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(home, ".pkg/stale"), "stale\n", 0o644)
		writeFile(t, filepath.Join(home, ".vendor/sub/stale"), "stale\n", 0o644)
		writeFile(t, filepath.Join(home, ".vendor/kept"), "kept\n", 0o644)
	}
	repl := strings.NewReplacer(home, "$HOME")

	seed()
	cmd := exec.Command(bin, "apply", "--force", "--no-tty", "--source", src, "--destination", home,
		"--config", filepath.Join(cz, "chezmoi.toml"), "--persistent-state", filepath.Join(cz, "state.boltdb"),
		"--cache", filepath.Join(cz, "cache"))
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chezmoi apply: %v\n%s", err, out)
	}
	want := dumpTree(t, home, repl)
	if !strings.Contains(string(want), ".pkg/bin/run") || !strings.Contains(string(want), ".vendor/dot_literal.tmpl") {
		t.Fatalf("chezmoi did not extract the archive:\n%s", want)
	}

	seed()
	opts := Options{SourceDir: src, TargetDir: home, StatePath: filepath.Join(root, "hearth", "dotfiles.json"), Umask: 0o022}
	rep, err := Apply(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Held) > 0 {
		t.Errorf("hearth held:\n%s", heldText(rep.Held))
	}
	if got := dumpTree(t, home, repl); string(got) != string(want) {
		t.Errorf("homes differ (want: chezmoi, got: hearth):\n--- chezmoi\n%s\n--- hearth\n%s", want, got)
	}
}
