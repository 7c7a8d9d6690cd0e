package chezmoicompat

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// cleanEnv is the one environment both tools run in: nothing inherited but
// PATH, so that templates reading the environment see the same values.
func cleanEnv(home string) []string {
	name := "root"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "USER=" + name, "LANG=C.UTF-8"}
}

// run runs prog under umask in env with dir as working directory and
// returns its combined output and error.
func run(ctx context.Context, dir string, env []string, umask string, prog string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	// A shell sets the umask: Go has no per-child umask.
	cmd := exec.CommandContext(ctx, "/bin/sh", append([]string{"-c", `umask "$0" && exec "$@"`, umask, prog}, args...)...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

var (
	hearthOnce sync.Once
	hearthBin  string
	hearthErr  error
)

// hearth builds cmd/hearth once per test binary.
func hearth(t *testing.T) string {
	t.Helper()
	hearthOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hearth-compat-bin-")
		if err != nil {
			hearthErr = err
			return
		}
		hearthBin = filepath.Join(dir, "hearth")
		cmd := exec.Command("go", "build", "-o", hearthBin, "./cmd/hearth")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			hearthErr = fmt.Errorf("go build ./cmd/hearth: %v\n%s", err, out)
		}
	})
	if hearthErr != nil {
		t.Fatal(hearthErr)
	}
	return hearthBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if hearthBin != "" {
		os.RemoveAll(filepath.Dir(hearthBin))
	}
	os.Exit(code)
}

// machineHostname is chezmoi's .chezmoi.hostname: the host name up to the
// first dot. hearth is given it as its host so that the two agree.
func machineHostname() string {
	h, _ := os.Hostname()
	h, _, _ = strings.Cut(h, ".")
	return h
}
