// Package nixsys is the one place that runs nix: building an exact commit of a
// flake, setting and reading profile generations, running a generation's
// switch-to-configuration, GC roots, and deciding whether a reboot is needed.
package nixsys

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"
)

// DefaultStoreDir is the nix store unless NIX_STORE_DIR says otherwise.
const DefaultStoreDir = "/nix/store"

// DefaultCommandTimeout bounds every nix command except builds and
// activations.
const DefaultCommandTimeout = 5 * time.Minute

// DefaultActivationTimeout bounds one switch-to-configuration. Killing an
// activation midway leaves the system half switched, so it is generous.
const DefaultActivationTimeout = 10 * time.Minute

// Options configure a Nix.
type Options struct {
	Exec   Executor     // nil: OSExecutor
	Env    []string     // KEY=value entries added to this process's environment for every command
	Logger *slog.Logger // nil: discard
	// StoreDir is where store paths live; empty: NIX_STORE_DIR from Env or the
	// process environment, else /nix/store. Paths outside it are refused.
	StoreDir string
	// CommandTimeout bounds profile commands; 0: DefaultCommandTimeout.
	CommandTimeout time.Duration
	// ActivationTimeout bounds switch-to-configuration; 0: DefaultActivationTimeout.
	ActivationTimeout time.Duration
}

// Nix runs nix programs with one set of options.
type Nix struct {
	exec     Executor
	env      []string
	log      *slog.Logger
	storeDir string
	timeout  time.Duration
	activate time.Duration // switch-to-configuration's limit
}

// New returns a Nix for opts.
func New(opts Options) *Nix {
	n := &Nix{exec: opts.Exec, log: opts.Logger, storeDir: opts.StoreDir, timeout: opts.CommandTimeout, activate: opts.ActivationTimeout}
	if n.exec == nil {
		n.exec = OSExecutor{}
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if n.timeout <= 0 {
		n.timeout = DefaultCommandTimeout
	}
	if n.activate <= 0 {
		n.activate = DefaultActivationTimeout
	}
	n.env = append(os.Environ(), opts.Env...)
	if n.storeDir == "" {
		n.storeDir = lookupEnv(n.env, "NIX_STORE_DIR")
	}
	if n.storeDir == "" {
		n.storeDir = DefaultStoreDir
	}
	return n
}

// StoreDir is the store directory this Nix accepts paths from.
func (n *Nix) StoreDir() string { return n.storeDir }

// lookupEnv returns the last value of key in env, as exec does.
func lookupEnv(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// run runs a program with a timeout, copying stderr to log (when non-nil) and
// returning stdout. A failure's error carries the tail of stderr, since that is
// where nix says what went wrong.
func (n *Nix) run(ctx context.Context, timeout time.Duration, log io.Writer, prog string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var stdout bytes.Buffer
	errTail := &tailBuffer{max: 2048}
	var stderr io.Writer = errTail
	if log != nil {
		stderr = io.MultiWriter(errTail, log)
	}
	n.log.Debug("running", "program", prog, "args", args)
	start := time.Now()
	err := n.exec.Run(ctx, Cmd{Path: prog, Args: args, Env: n.env, Stdout: &stdout, Stderr: stderr})
	n.log.Debug("finished", "program", prog, "duration", time.Since(start), "err", err)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("timed out after %s: %w", timeout, err)
		}
		if msg := errTail.lastLines(5); msg != "" {
			return stdout.Bytes(), fmt.Errorf("%s: %w: %s", prog, err, msg)
		}
		return stdout.Bytes(), fmt.Errorf("%s: %w", prog, err)
	}
	return stdout.Bytes(), nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

// lastLines returns the last k non-empty lines, joined by " | ".
func (t *tailBuffer) lastLines(k int) string {
	var lines []string
	for _, l := range strings.Split(string(t.buf), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > k {
		lines = lines[len(lines)-k:]
	}
	return strings.Join(lines, " | ")
}
