package nixsys

import (
	"context"
	"io"
	"os/exec"
	"syscall"
	"time"
)

// Cmd is one program invocation.
type Cmd struct {
	Path   string   // program name (looked up in PATH) or absolute path
	Args   []string // arguments, without the program name
	Env    []string // complete environment; nil inherits this process's
	Stdout io.Writer
	Stderr io.Writer
}

// Executor runs programs. OSExecutor runs them for real; tests may wrap it to
// observe or fail invocations.
type Executor interface {
	Run(ctx context.Context, c Cmd) error
}

// OSExecutor runs programs with os/exec, each in its own session, so that a
// cancelled or timed-out nix build or activation takes everything it started
// down with it (see killTree).
type OSExecutor struct{}

// Run implements Executor.
func (OSExecutor) Run(ctx context.Context, c Cmd) error {
	cmd := exec.CommandContext(ctx, c.Path, c.Args...)
	cmd.Env = c.Env
	cmd.Stdout = c.Stdout
	cmd.Stderr = c.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Cancel = func() error {
		killTree(cmd.Process.Pid)
		return nil
	}
	// A process that escaped anyway must not keep Wait blocked on a pipe.
	cmd.WaitDelay = 5 * time.Second
	return cmd.Run()
}
