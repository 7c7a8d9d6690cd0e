package privdrop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// Command is a program to run as another user.
type Command struct {
	Exe    string   // absolute path of the program; never looked up in PATH
	Args   []string // argv, Args[0] included
	As     *Identity
	Env    []string
	Stdout io.Writer
	Stderr io.Writer
	// Payload is what the child reads from fd 3 (then EOF): data it must
	// not take from a file the user could change.
	Payload []byte
}

// forwarded are the signals passed on to the child, so that it stops as
// cleanly as it would have run in the caller's place.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// Run runs c with c.As's uid, gid and groups (root's capabilities are gone
// after the uid change), forwarding signals, and waits for it. It returns
// the child's exit status, 128+n when signal n killed it. Cancelling ctx
// sends the child SIGTERM and still waits for it.
func Run(ctx context.Context, c Command) (int, error) {
	if c.As == nil || c.As.UID == 0 {
		return 0, errors.New("privdrop: refusing to run as root")
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	cmd := &exec.Cmd{
		Path:       c.Exe,
		Args:       c.Args,
		Env:        append([]string{}, c.Env...), // never nil: nil would inherit ours
		Dir:        "/",                          // the caller's working dir may be closed to the user
		ExtraFiles: []*os.File{pr},
		SysProcAttr: &syscall.SysProcAttr{
			Credential: &syscall.Credential{Uid: c.As.UID, Gid: c.As.GID, Groups: c.As.Groups},
			// No controlling terminal: the child cannot open /dev/tty.
			Setsid: true,
		},
		// Output of a grandchild that outlives the child is cut off.
		WaitDelay: outputGrace,
	}
	// Pipes, never the caller's own descriptors: a terminal would let the
	// user push input into root's shell (TIOCSTI) after we exit, a file
	// could be rewritten at will. What comes through is escaped.
	stdout, stderr := escaping(c.Stdout), escaping(c.Stderr)
	if stdout != nil {
		cmd.Stdout = stdout
	}
	if stderr != nil {
		cmd.Stderr = stderr
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)
	// Descriptors hearth inherited open (a shell's `9<secret`) would pass
	// to the child and its templates' programs: only ours go through.
	closeInheritedOnExec()
	err = cmd.Start()
	pr.Close()
	if err != nil {
		pw.Close()
		return 0, fmt.Errorf("start %s as %s: %w", c.Exe, c.As.Name, err)
	}
	go func() {
		// A child that never reads its payload must not block us: the
		// write ends when it exits and the pipe breaks.
		_, _ = pw.Write(c.Payload)
		pw.Close()
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	cancelled := ctx.Done()
	for {
		select {
		case s := <-sigs:
			_ = cmd.Process.Signal(s)
		case <-cancelled:
			_ = cmd.Process.Signal(syscall.SIGTERM)
			cancelled = nil
		case err := <-done:
			for _, e := range []*escaper{stdout, stderr} {
				if e != nil {
					e.flush()
				}
			}
			return exitStatus(cmd, err)
		}
	}
}

// outputGrace is how long output is still copied after the child exits.
const outputGrace = 2 * time.Second

// escaping wraps w, which also hides an *os.File behind a plain writer:
// exec then copies through a pipe instead of handing the descriptor over.
func escaping(w io.Writer) *escaper {
	if w == nil {
		return nil
	}
	return &escaper{w: w}
}

func exitStatus(cmd *exec.Cmd, err error) (int, error) {
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 0, err
	}
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return cmd.ProcessState.ExitCode(), nil
}

// closeInheritedOnExec marks every descriptor above stderr close-on-exec.
// Go opens its own that way already; this catches the ones hearth was
// started with.
func closeInheritedOnExec() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd <= 2 {
			continue
		}
		syscall.CloseOnExec(fd)
	}
}
