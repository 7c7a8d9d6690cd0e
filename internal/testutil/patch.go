package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// PatchRoundTrip applies a unified diff to a with the real patch program
// and returns the result, so tests can prove a diff is correct.
func PatchRoundTrip(t testing.TB, a []byte, diff string) []byte {
	t.Helper()
	RequireProgram(t, "patch")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	if err := os.WriteFile(in, a, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("patch", "-s", "-o", out, in)
	cmd.Stdin = strings.NewReader(diff)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("patch rejected the diff: %v\n%s\ndiff:\n%s", err, msg, diff)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
