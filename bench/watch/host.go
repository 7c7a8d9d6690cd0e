package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// host is one home with its config, clone and state dir, and maybe a
// running watcher.
type host struct {
	name, root, home, config string
	watcher                  *exec.Cmd
}

func (b *bench) newHost(name, url string, poll, debounce time.Duration) (*host, error) {
	h := &host{name: name, root: filepath.Join(b.work, "hosts", name)}
	h.home, h.config = filepath.Join(h.root, "home"), filepath.Join(h.root, "hearth.toml")
	if err := os.MkdirAll(h.home, 0o755); err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf("host = %q\nstate_dir = %q\n[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\npoll_interval = %q\ndebounce = %q\n",
		name, filepath.Join(h.root, "state"), url, filepath.Join(h.root, "source"), h.home, poll.String(), debounce.String())
	return h, os.WriteFile(h.config, []byte(cfg), 0o644)
}

func (b *bench) hearthCmd(ctx context.Context, h *host, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, b.hearth, args...)
	cmd.Env = append(b.gitEnv(), "HOME="+h.home, "HEARTH_CONFIG="+h.config, "DBUS_SESSION_BUS_ADDRESS=")
	return cmd
}

func (b *bench) sync(ctx context.Context, h *host) error {
	if out, err := b.hearthCmd(ctx, h, "sync").CombinedOutput(); err != nil {
		return fmt.Errorf("%s: hearth sync: %w\n%s", h.name, err, out)
	}
	return nil
}

func (b *bench) startWatcher(ctx context.Context, h *host) error {
	log, err := os.Create(filepath.Join(h.root, "watch.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	h.watcher = b.hearthCmd(ctx, h, "watch")
	h.watcher.Stdout, h.watcher.Stderr = log, log
	h.watcher.Cancel = func() error { return h.watcher.Process.Signal(syscall.SIGTERM) }
	return h.watcher.Start()
}

func (h *host) stop() {
	if h.watcher != nil && h.watcher.Process != nil {
		_ = h.watcher.Process.Signal(syscall.SIGTERM)
		_ = h.watcher.Wait()
	}
}
