package cli_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExecuteTemplateMatchesChezmoi: every template of
// testdata/execute-template.txt (one a line; HOME stands for the home dir)
// renders the same with hearth execute-template as with the real chezmoi
// execute-template, for the same home and source.
func TestExecuteTemplateMatchesChezmoi(t *testing.T) {
	chezmoi := realChezmoi(t)
	h := dotfileHosts(t, "file:///nonexistent", "a")[0]
	h.Setenv("PATH", "/usr/bin:/bin")
	src := filepath.Join(h.Root, "source")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(h.Home, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "tool"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "data"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("tool", filepath.Join(bin, "link")); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join("testdata", "execute-template.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	n := 0
	for s.Scan() {
		text := strings.ReplaceAll(s.Text(), "HOME", h.Home)
		n++
		res := h.Run(t.Context(), "execute-template", text)
		cmd := exec.Command(chezmoi, "execute-template", "--source", src, text)
		cmd.Env = []string{"HOME=" + h.Home, "PATH=/usr/bin:/bin", "LANG=C.UTF-8"}
		cmd.Dir = h.Home
		want, err := cmd.Output()
		if err != nil {
			t.Errorf("chezmoi execute-template %s: %v", text, err)
			continue
		}
		if res.Code != 0 || res.Stdout != string(want) {
			t.Errorf("%s\nhearth (exit %d): %q %s\nchezmoi:         %q", text, res.Code, res.Stdout, res.Stderr, want)
		}
	}
	if n < 30 {
		t.Fatalf("only %d templates read", n)
	}
}
