// Package hooks runs the commands of the config's [hooks] section after a
// job run. A hook is an argv array from the local config file (never a
// shell string, never anything from a remote), runs as the user running
// the job, with the event in HEARTH_* variables and stdin from /dev/null;
// its output is logged, bounded, and it is killed with its whole process
// group at the timeout. A hook that fails never fails the job.
package hooks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hearth-fleet/hearth/internal/termsafe"
)

// Names of the hooks, as the config keys spell them.
const (
	OnSuccess  = "on_success"
	OnFailure  = "on_failure"
	PostDeploy = "post_deploy"
	OnConflict = "on_conflict"
)

// DefaultTimeout bounds a hook when the config does not say.
const DefaultTimeout = time.Minute

// maxError bounds HEARTH_ERROR: a hook gets enough to say what failed, and
// an environment variable never grows with a long build log.
const maxError = 1000

// Event describes the job run a hook is told about.
type Event struct {
	Hook       string // which hook: OnSuccess, OnFailure, PostDeploy, OnConflict
	Job        string // sync, apply, resolve, upgrade, golden, secrets
	Host       string
	Result     string // the status record's result: ok, failed, noop, held, ...
	Commit     string
	Generation int
	Error      string // the status record's error: no secret values, no file contents
	Conflicts  int    // conflicts this run recorded (on_conflict)
}

// Env returns the event as HEARTH_* variables. HEARTH_ERROR is cut to a
// bounded length and escaped to one line of printable text, so a hook that
// echoes it cannot be steered by control characters from an error message.
func (e Event) Env() []string {
	env := []string{
		"HEARTH_HOOK=" + e.Hook,
		"HEARTH_JOB=" + e.Job,
		"HEARTH_HOST=" + e.Host,
		"HEARTH_RESULT=" + e.Result,
		"HEARTH_COMMIT=" + e.Commit,
		"HEARTH_GENERATION=",
		"HEARTH_ERROR=" + errorText(e.Error),
		"HEARTH_CONFLICTS=" + strconv.Itoa(e.Conflicts),
	}
	if e.Generation > 0 {
		env[5] += strconv.Itoa(e.Generation)
	}
	return env
}

func errorText(s string) string {
	s = termsafe.Line(s)
	if len(s) > maxError {
		// Cut on a rune boundary: the escaped text is valid UTF-8.
		cut := maxError
		for cut > 0 && s[cut]&0xc0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// Runner runs hooks.
type Runner struct {
	Timeout time.Duration // 0: DefaultTimeout
	// Environ is the environment a hook starts from (the job's own);
	// nil means this process's. HEARTH_* event variables replace any of
	// the same name.
	Environ []string
	Logger  *slog.Logger // nil: discard
}

// Outcome is how one hook run ended.
type Outcome struct {
	Hook     string
	ExitCode int  // -1 when it did not start or was killed
	TimedOut bool // killed (with its process group) at the timeout
	Output   string
	Err      error // nil when the hook exited 0
}

// Run runs argv for ev and logs how it ended. The hook's own context is
// detached from ctx so that a job cut short by a signal still reports it,
// and is bounded by the timeout alone.
func (r *Runner) Run(ctx context.Context, argv []string, ev Event) Outcome {
	out := Outcome{Hook: ev.Hook, ExitCode: -1}
	log := r.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(argv) == 0 || argv[0] == "" {
		out.Err = errors.New("empty command")
		log.Warn("hook not run", "hook", ev.Hook, "job", ev.Job, "err", out.Err)
		return out
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	cmd := exec.CommandContext(hctx, argv[0], argv[1:]...)
	cmd.Env = r.env(ev)
	cmd.Dir = "/"
	// Stdin stays nil: exec connects it to /dev/null.
	buf := &boundedBuffer{limit: maxOutput}
	cmd.Stdout, cmd.Stderr = buf, buf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A grandchild that left the group and holds the output pipe open
	// must not keep the job waiting.
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if cmd.ProcessState != nil {
		out.ExitCode = cmd.ProcessState.ExitCode()
	}
	out.Output = buf.String()
	switch {
	case hctx.Err() == context.DeadlineExceeded:
		out.TimedOut = true
		out.Err = fmt.Errorf("killed after %s (timeout)", timeout)
	case err != nil:
		out.Err = err
	}
	attrs := []any{"hook", ev.Hook, "job", ev.Job, "program", termsafe.Quote(argv[0])}
	if out.Output != "" {
		attrs = append(attrs, "output", termsafe.Text(out.Output))
	}
	if out.Err != nil {
		log.Warn("hook failed; the job's result stands", append(attrs, "err", out.Err)...)
	} else {
		log.Info("hook ran", attrs...)
	}
	return out
}

// env is the base environment without the event's names, then the event.
func (r *Runner) env(ev Event) []string {
	base := r.Environ
	if base == nil {
		base = os.Environ()
	}
	evEnv := ev.Env()
	set := map[string]bool{}
	for _, kv := range evEnv {
		k, _, _ := strings.Cut(kv, "=")
		set[k] = true
	}
	env := make([]string, 0, len(base)+len(evEnv))
	for _, kv := range base {
		if k, _, _ := strings.Cut(kv, "="); !set[k] {
			env = append(env, kv)
		}
	}
	return append(env, evEnv...)
}
