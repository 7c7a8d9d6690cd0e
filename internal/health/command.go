package health

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// maxDetail bounds how much of a command's output lands in a Result: enough to
// say why it failed, not enough to flood the boot record or the motd.
const maxDetail = 300

// runGroup runs argv in its own process group and kills the whole group when
// ctx ends, so a hung check that forked children leaves nothing running.
// It returns the combined output (tail-trimmed) and the error from Wait.
func runGroup(ctx context.Context, argv []string) (string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// Negative pid: signal the process group the child leads.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	// If a grandchild escaped the group and keeps the output pipe open, do not
	// let Wait block past the deadline.
	cmd.WaitDelay = time.Second
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return tail(out.String()), err
}

func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxDetail {
		s = "…" + s[len(s)-maxDetail:]
	}
	return s
}

func checkCommand(ctx context.Context, argv []string) (string, bool) {
	out, err := runGroup(ctx, argv)
	if err == nil {
		return "exit status 0", true
	}
	if ctx.Err() != nil {
		return fmt.Sprintf("%s (process group) killed", argv[0]), false
	}
	detail := err.Error()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		detail = fmt.Sprintf("%s: %v", argv[0], err)
	}
	if out != "" {
		detail += ": " + out
	}
	return detail, false
}
