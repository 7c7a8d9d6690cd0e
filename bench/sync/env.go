package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// bench is the shared setup: the work dir, the hearth binary, the git
// identity for plain clones, and the remotes (file:// and smart HTTP).
type bench struct {
	work   string // everything the run creates lives here
	hearth string // path of the hearth binary
	// pushRetries, when not 0, is written as dotfiles.push_retries.
	pushRetries int
	gitHome     string // HOME for plain git: a .gitconfig with an identity
	remotes     string // GIT_PROJECT_ROOT: every bare remote is <name>.git here
	srv         *gitServer
	log         *slog.Logger
	// straceOut, when set, makes the next measured command run under
	// strace writing there (see trace.go).
	straceOut string
	strace    string // path of strace; "" disables tracing
	memOut    string // when set, the next measured command runs under GNU time writing there
	timeBin   string // path of GNU time; "" skips the memory figures
	traces    []*traceSummary
}

// cleanEnv is the driver's environment without anything that would steer
// git (GIT_*), the locale, or HOME; callers add their own.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GIT_") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C", "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1")
}

// gitEnv is the environment of every plain git command: a user with an
// identity and no other configuration, as on a fresh machine.
func (b *bench) gitEnv() []string {
	return append(cleanEnv(), "HOME="+b.gitHome)
}

func (b *bench) setupGitHome() error {
	b.gitHome = filepath.Join(b.work, "githome")
	if err := os.MkdirAll(b.gitHome, 0o755); err != nil {
		return err
	}
	cfg := "[user]\n\tname = Bench\n\temail = bench@example.invalid\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
	return os.WriteFile(filepath.Join(b.gitHome, ".gitconfig"), []byte(cfg), 0o644)
}

// git runs plain git in dir and returns its trimmed stdout.
func (b *bench) git(ctx context.Context, dir string, args ...string) (string, error) {
	_, out, err := runTimed(command(ctx, b.gitEnv(), dir, "git", args...))
	return strings.TrimSpace(string(out)), err
}

// remoteHead is the commit of main in the bare remote name.
func (b *bench) remoteHead(ctx context.Context, name string) (string, error) {
	return b.git(ctx, "", "--git-dir="+b.remoteDir(name), "rev-parse", "--verify", "refs/heads/main")
}

func (b *bench) remoteDir(name string) string { return filepath.Join(b.remotes, name+".git") }

// url is the remote's URL over transport "file" or "http".
func (b *bench) url(transport, name string) (string, error) {
	switch transport {
	case "file":
		return "file://" + b.remoteDir(name), nil
	case "http":
		if b.srv == nil {
			return "", fmt.Errorf("http transport: server not started")
		}
		return b.srv.url + "/" + name + ".git", nil
	}
	return "", fmt.Errorf("unknown transport %q (want file or http)", transport)
}
