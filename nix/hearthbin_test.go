package nix_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// hearthBinary builds cmd/hearth once for the package's tests: the module's
// configs are checked by the program the system build runs, as an
// unprivileged build user would.
func hearthBinary(t *testing.T) string {
	t.Helper()
	goBin := testutil.RequireProgram(t, "go")
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "hearth-nix-test-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "hearth")
		cmd := exec.Command(goBin, "build", "-o", binPath, "./cmd/hearth")
		cmd.Dir = repoRoot
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = &buildError{string(out), err}
		}
	})
	if binErr != nil {
		t.Fatalf("go build ./cmd/hearth: %v", binErr)
	}
	return binPath
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// buildCheck runs `hearth config check FILE` the way the module's checked
// derivation does: HOME is a scratch dir, nothing else of the caller's
// environment.
func buildCheck(t *testing.T, text string) (ok bool, output string) {
	t.Helper()
	bin := hearthBinary(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "config", "check", file)
	cmd.Env = []string{"HOME=" + dir, "PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		if _, isExit := err.(*exec.ExitError); !isExit {
			t.Fatal(err)
		}
		return false, strings.TrimSpace(string(out))
	}
	return true, ""
}
