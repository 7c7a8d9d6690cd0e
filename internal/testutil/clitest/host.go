// Package clitest runs the hearth CLI in-process for simulated hosts, each
// with its own HOME, state dir and config file, so that multi-host tests can
// run many hosts concurrently in one test binary.
package clitest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hearth-fleet/hearth/internal/cli"
	"github.com/hearth-fleet/hearth/internal/config"
)

// Host is one simulated machine.
type Host struct {
	Name     string
	Root     string // everything of this host lives below Root
	Home     string
	StateDir string
	Config   string // path of the host's config file

	mu  sync.Mutex
	env map[string]string
}

// NewHost creates the directories of host name under a fresh temp dir and
// writes a minimal config naming the host and its state dir.
func NewHost(t testing.TB, name string) *Host {
	t.Helper()
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h := &Host{
		Name:     name,
		Root:     root,
		Home:     filepath.Join(root, "home"),
		StateDir: filepath.Join(root, "state"),
		Config:   filepath.Join(root, "hearth.toml"),
	}
	for _, d := range []string{h.Home, h.StateDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	h.env = map[string]string{"HOME": h.Home, "HEARTH_CONFIG": h.Config}
	h.WriteConfig(t, "")
	return h
}

// WriteConfig writes the host's config: host and state_dir, then extra TOML.
func (h *Host) WriteConfig(t testing.TB, extra string) {
	t.Helper()
	body := "host = " + quote(h.Name) + "\nstate_dir = " + quote(h.StateDir) + "\n" + extra
	if err := os.WriteFile(h.Config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Setenv sets an environment variable seen by this host's runs only.
func (h *Host) Setenv(k, v string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.env[k] = v
}

// Env is the config.Env of this host's runs.
func (h *Host) Env() config.Env {
	h.mu.Lock()
	env := make(map[string]string, len(h.env))
	for k, v := range h.env {
		env[k] = v
	}
	h.mu.Unlock()
	return config.Env{
		Getenv:   func(k string) string { return env[k] },
		UID:      os.Getuid(),
		Hostname: func() (string, error) { return h.Name, nil },
		Dir:      h.Home,
	}
}

// Result is the outcome of one in-process run.
type Result struct {
	Code   int
	Stdout string
	Stderr string
}

// Run runs `hearth args...` in-process as this host.
func (h *Host) Run(ctx context.Context, args ...string) Result {
	var out, errb bytes.Buffer
	code := cli.Run(ctx, cli.Invocation{
		Args: args, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Env: h.Env(),
	})
	return Result{Code: code, Stdout: out.String(), Stderr: errb.String()}
}

// MustRun runs hearth and fails the test unless it exits 0.
func (h *Host) MustRun(t testing.TB, args ...string) Result {
	t.Helper()
	r := h.Run(context.Background(), args...)
	if r.Code != 0 {
		t.Fatalf("host %s: hearth %s: exit %d\nstdout:\n%s\nstderr:\n%s", h.Name, strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
