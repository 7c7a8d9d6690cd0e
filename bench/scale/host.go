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
	dir    string
	cfg    string
	home   string // target_dir
	source string // source_dir, a clone of the remote
	state  string
}

// newHost configures a host syncing with the bare remote at remote; its
// clone is made here with plain git (unmeasured), its home is empty.
func (b *bench) newHost(ctx context.Context, name, remote string) (*host, error) {
	dir := filepath.Join(b.work, "hosts", name)
	h := &host{
		name:   name,
		dir:    dir,
		cfg:    filepath.Join(dir, "hearth.toml"),
		home:   filepath.Join(dir, "home"),
		source: filepath.Join(dir, "source"),
		state:  filepath.Join(dir, "state"),
	}
	if err := os.MkdirAll(h.home, 0o755); err != nil {
		return nil, err
	}
	if err := b.clone(ctx, remote, h.source); err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf("host = %q\nstate_dir = %q\n\n[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\n",
		name, h.state, "file://"+remote, h.source, h.home)
	return h, os.WriteFile(h.cfg, []byte(cfg), 0o644)
}

// cmd is hearth with args run as this host; shim puts the git shim first
// on PATH.
func (h *host) cmd(ctx context.Context, b *bench, shim bool, args ...string) *exec.Cmd {
	env := b.withPath(append(cleanEnv(), "HOME="+h.home), shim)
	return command(ctx, env, h.home, b.hearth, append([]string{"--json", "--config", h.cfg}, args...)...)
}

// applyOut is the part of `hearth --json apply` the benchmark checks.
type applyOut struct {
	Writes int               `json:"writes"`
	Held   []json.RawMessage `json:"held"`
}

// firstApply empties home and the state dir (as on a new host) and runs a
// measured `hearth apply`, which must write every file of t.
func (b *bench) firstApply(ctx context.Context, h *host, t *tree, shim bool) (measure, error) {
	for _, d := range []string{h.home, h.state} {
		if err := os.RemoveAll(d); err != nil {
			return measure{}, err
		}
	}
	if err := os.MkdirAll(h.home, 0o755); err != nil {
		return measure{}, err
	}
	if err := syncFS(ctx, h.dir); err != nil {
		return measure{}, err
	}
	m, stdout, err := b.measured(h.cmd(ctx, b, shim, "apply"))
	if err != nil {
		return m, err
	}
	var out applyOut
	if err := json.Unmarshal(stdout, &out); err != nil {
		return m, fmt.Errorf("host %s: apply output: %w: %.200q", h.name, err, stdout)
	}
	if out.Writes < t.files || len(out.Held) > 0 {
		return m, fmt.Errorf("host %s: the first apply wrote %d (want at least the %d files) and held %d", h.name, out.Writes, t.files, len(out.Held))
	}
	return m, nil
}

// syncOut is the part of `hearth --json sync` the benchmark checks.
type syncOut struct {
	Sync struct {
		Result    string `json:"result"`
		Committed bool   `json:"committed"`
		Merged    bool   `json:"merged"`
		Pushed    bool   `json:"pushed"`
	} `json:"sync"`
	Captured []json.RawMessage `json:"captured"`
	Applied  []json.RawMessage `json:"applied"`
}

// sync runs one measured round. captured is how many targets it must
// capture (and then commit and push); 0 means a no-op round, which must
// do nothing at all.
func (b *bench) sync(ctx context.Context, h *host, captured int) (measure, error) {
	m, stdout, err := b.measured(h.cmd(ctx, b, true, "sync"))
	if err != nil {
		return m, err
	}
	var out syncOut
	if err := json.Unmarshal(stdout, &out); err != nil {
		return m, fmt.Errorf("host %s: sync output: %w: %.200q", h.name, err, stdout)
	}
	r := out.Sync
	switch {
	case r.Result != "ok":
		err = fmt.Errorf("result %q", r.Result)
	case captured == 0 && (r.Committed || r.Pushed || r.Merged || len(out.Captured)+len(out.Applied) > 0):
		err = fmt.Errorf("the no-op round did something: %+v, %d captured, %d applied", r, len(out.Captured), len(out.Applied))
	case captured > 0 && (!r.Committed || !r.Pushed || len(out.Captured) != captured):
		err = fmt.Errorf("the round did not capture, commit and push %d targets: %+v, %d captured", captured, r, len(out.Captured))
	}
	if err != nil {
		return m, fmt.Errorf("host %s: %w", h.name, err)
	}
	return m, nil
}
