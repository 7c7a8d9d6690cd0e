// Package cli is hearth's command line: one file per command, each a thin
// layer of flags and output over a plain function in a job package.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/secrets"
)

// Exit statuses (DESIGN section 7).
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2
	// ExitInterrupted: stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report it).
	ExitInterrupted = 130
)

// Invocation is everything a run of hearth reads from its process, so that
// tests can run many hosts in one process.
type Invocation struct {
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Env    config.Env
	// Decrypter reads sops files; nil runs the hearth-sops helper.
	Decrypter secrets.Decrypter
	// Self is the hearth binary, re-executed to run a dotfiles job as the
	// home's owner; "" (in-process runs) refuses such a job.
	Self string
}

// Main runs hearth with the real process environment and returns the exit status.
func Main(args []string) int {
	setMemoryLimit()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal hearth winds down; a second one kills it at once.
	context.AfterFunc(ctx, stop)
	return Run(ctx, Invocation{Args: args, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Env: config.OSEnv(), Self: selfExe})
}

// Run executes one command line.
func Run(ctx context.Context, inv Invocation) int {
	a := &app{inv: inv}
	root := newRootCmd(a)
	root.SetArgs(inv.Args)
	root.SetIn(inv.Stdin)
	root.SetOut(inv.Stdout)
	root.SetErr(inv.Stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil {
		fmt.Fprintln(inv.Stderr, interruptedMessage(cmd))
		return ExitInterrupted
	}
	code := exitCode(err)
	if !errors.Is(err, errSilent) {
		fmt.Fprintf(inv.Stderr, "hearth: %s\n", safeText(err.Error()))
	}
	return code
}

// errSilent marks a failure already reported on stdout/stderr by the command.
var errSilent = errors.New("failed")

type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, a ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, a...)}
}

func exitCode(err error) int {
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case config.IsConfigError(err), isCobraUsage(err):
		return ExitUsage
	default:
		return ExitFailed
	}
}
