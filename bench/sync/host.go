package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// host is one machine running hearth: its config, home, clone and state.
type host struct {
	name   string
	cfg    string // config file
	home   string // target_dir
	source string // source_dir (the clone)
	env    []string
}

// syncOut is the part of `hearth --json sync` the benchmark checks.
type syncOut struct {
	Sync struct {
		Result    string `json:"result"`
		Local     string `json:"local"`
		Remote    string `json:"remote"`
		Pending   int    `json:"pending_commits"`
		Committed bool   `json:"committed"`
		Merged    bool   `json:"merged"`
		Pushed    bool   `json:"pushed"`
		Attempts  int    `json:"attempts"`
		// FetchSkipped: a local-path remote's branch was read, not fetched.
		FetchSkipped bool              `json:"fetch_skipped"`
		Conflicts    []json.RawMessage `json:"conflicts"`
		Cloned       bool              `json:"cloned"`
		Deferred     string            `json:"deferred"`
	} `json:"sync"`
	Captured      []json.RawMessage `json:"captured"`
	Applied       []json.RawMessage `json:"applied"`
	OpenConflicts int               `json:"open_conflicts"`
}

// newHost makes host name syncing with url and runs its first round (the
// clone and the first apply), which is not measured.
func (b *bench) newHost(ctx context.Context, name, url string) (*host, error) {
	dir := filepath.Join(b.work, "hosts", name)
	h := &host{
		name:   name,
		cfg:    filepath.Join(dir, "hearth.toml"),
		home:   filepath.Join(dir, "home"),
		source: filepath.Join(dir, "source"),
	}
	h.env = append(cleanEnv(), "HOME="+h.home)
	if err := os.MkdirAll(h.home, 0o755); err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf("host = %q\nstate_dir = %q\n\n[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\n",
		name, filepath.Join(dir, "state"), url, h.source, h.home)
	if b.pushRetries != 0 {
		cfg += fmt.Sprintf("push_retries = %d\n", b.pushRetries)
	}
	if err := os.WriteFile(h.cfg, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	_, out, err := h.sync(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("host %s: first round: %w", name, err)
	}
	if !out.Sync.Cloned || out.Sync.Result != "ok" {
		return nil, fmt.Errorf("host %s: first round did not clone: result %q", name, out.Sync.Result)
	}
	return h, nil
}

func (h *host) syncCmd(ctx context.Context, b *bench) *exec.Cmd {
	return command(ctx, h.env, h.home, b.hearth, "--json", "--config", h.cfg, "sync")
}

// sync runs one round and decodes its report.
func (h *host) sync(ctx context.Context, b *bench) (sample, *syncOut, error) {
	s, stdout, err := runTimed(b.measured(h.syncCmd(ctx, b)))
	if err != nil {
		return s, nil, err
	}
	out := &syncOut{}
	if err := json.Unmarshal(stdout, out); err != nil {
		return s, nil, fmt.Errorf("host %s: sync output: %w: %q", h.name, err, stdout)
	}
	return s, out, nil
}

// head is the commit of main in the host's clone.
func (h *host) head(ctx context.Context, b *bench) (string, error) {
	return b.git(ctx, h.source, "rev-parse", "--verify", "refs/heads/main")
}

// appendLine adds a line to a file (in home or in a plain clone).
func appendLine(path, line string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
