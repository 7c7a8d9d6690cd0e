package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// bench is the shared setup: the work dir, the hearth binary, and the
// environment of plain git.
type bench struct {
	work    string // everything the run creates lives here, removed at the end
	hearth  string // path of the hearth binary
	gitHome string // HOME for plain git: a .gitconfig with an identity
	timeBin string // GNU time
	shimDir string // holds the git shim that logs each git's peak (see shim.go)
	gitLog  string // where the shim appends
	log     *slog.Logger
}

// cleanEnv is the driver's environment without anything that would steer
// git (GIT_*), the locale or HOME; callers add their own.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GIT_") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "HOME" || k == "PATH" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C", "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1")
}

// withPath adds PATH with the git shim first when shim is set, so that
// hearth's git and the peer's git are logged alike.
func (b *bench) withPath(env []string, shim bool) []string {
	path := os.Getenv("PATH")
	if shim {
		path = b.shimDir + string(os.PathListSeparator) + path
	}
	return append(env, "PATH="+path)
}

// gitEnv is the environment of plain git: a user with an identity and no
// other configuration, as on a fresh machine.
func (b *bench) gitEnv(shim bool) []string {
	return b.withPath(append(cleanEnv(), "HOME="+b.gitHome), shim)
}

func (b *bench) setupGitHome() error {
	b.gitHome = filepath.Join(b.work, "githome")
	if err := os.MkdirAll(b.gitHome, 0o755); err != nil {
		return err
	}
	cfg := "[user]\n\tname = Bench\n\temail = bench@example.invalid\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
	return os.WriteFile(filepath.Join(b.gitHome, ".gitconfig"), []byte(cfg), 0o644)
}

func (b *bench) build(ctx context.Context) error {
	b.hearth = filepath.Join(b.work, "bin", "hearth")
	b.log.Info("building hearth")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", b.hearth, "github.com/hearth-fleet/hearth/cmd/hearth").CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build ./cmd/hearth: %w: %s", err, out)
	}
	return nil
}

// git runs plain git (unmeasured) in dir and returns its trimmed stdout.
func (b *bench) git(ctx context.Context, dir string, args ...string) (string, error) {
	out, err := run(command(ctx, b.gitEnv(false), dir, "git", args...))
	return strings.TrimSpace(string(out)), err
}

// command builds an exec.Cmd with an explicit environment and directory,
// bounded by ctx.
func command(ctx context.Context, env []string, dir, prog string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Env, cmd.Dir = env, dir
	return cmd
}

// run runs cmd and returns its stdout; a failure carries stderr, so that a
// broken step is reported, never measured.
func run(cmd *exec.Cmd) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%s in %s: %w: %s", strings.Join(cmd.Args, " "), cmd.Dir, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// syncFS flushes the file system holding dir, so that one side's writes
// are not paid for by the next measured command.
func syncFS(ctx context.Context, dir string) error {
	_, err := run(exec.CommandContext(ctx, "sync", "-f", dir))
	return err
}
