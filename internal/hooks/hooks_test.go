package hooks

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// A hook sees the event in HEARTH_* variables, the base environment it was
// given (with any stale HEARTH_* of the same name replaced), stdin from
// /dev/null, and runs in /.
func TestHookSeesEventEnvironment(t *testing.T) {
	sh := testutil.RequireProgram(t, "sh")
	out := filepath.Join(t.TempDir(), "env")
	script := `env | grep -E '^(HEARTH_|KEEP=)' | sort > "$1"; pwd >> "$1"; cat >> "$1"`
	r := &Runner{Environ: []string{"KEEP=1", "HEARTH_RESULT=stale", "PATH=" + os.Getenv("PATH")}, Timeout: 10 * time.Second}
	ev := Event{Hook: OnFailure, Job: "upgrade", Host: "desk", Result: "failed", Commit: "abc123", Generation: 7,
		Error: "build failed:\n\x1b]52;c;evil\x07 next", Conflicts: 2}
	o := r.Run(context.Background(), []string{sh, "-c", script, "hook", out}, ev)
	if o.Err != nil || o.ExitCode != 0 {
		t.Fatalf("outcome %+v", o)
	}
	got := readFile(t, out)
	for _, want := range []string{
		"HEARTH_HOOK=on_failure\n", "HEARTH_JOB=upgrade\n", "HEARTH_HOST=desk\n", "HEARTH_RESULT=failed\n",
		"HEARTH_COMMIT=abc123\n", "HEARTH_GENERATION=7\n", "HEARTH_CONFLICTS=2\n", "KEEP=1\n",
		`HEARTH_ERROR=build failed:\n\x1b]52;c;evil\a next` + "\n", "\n/\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("hook environment lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "stale") || strings.Contains(got, "\x1b") {
		t.Errorf("stale variable or raw control character reached the hook:\n%q", got)
	}
}

func TestErrorTextBounded(t *testing.T) {
	long := strings.Repeat("é", 2000)
	got := errorText(long)
	if len(got) > maxError+len("…") || !strings.HasSuffix(got, "…") {
		t.Fatalf("HEARTH_ERROR of %d bytes not cut to %d: %d bytes", len(long), maxError, len(got))
	}
	if !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) {
		t.Fatal("cut in the middle of a character")
	}
}

// A hook that hangs is killed with its whole process group at the
// timeout; its children do not outlive it.
func TestHookTimeoutKillsProcessGroup(t *testing.T) {
	sh := testutil.RequireProgram(t, "sh")
	testutil.RequireProgram(t, "sleep")
	pidFile := filepath.Join(t.TempDir(), "pid")
	r := &Runner{Timeout: 300 * time.Millisecond, Environ: []string{"PATH=" + os.Getenv("PATH")}}
	o := r.Run(context.Background(), []string{sh, "-c", `sleep 60 & echo $! > "$1"; wait`, "hook", pidFile}, Event{Hook: OnSuccess})
	if !o.TimedOut || o.Err == nil {
		t.Fatalf("outcome %+v, want a timeout", o)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(readFile(t, pidFile)))
	if err != nil {
		t.Fatal(err)
	}
	// SIGKILL was sent before Run returned; poll its (asynchronous) effect.
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the hook's child %d still runs after the timeout", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A job cut short by a signal still runs its hooks: the hook's context is
// the timeout alone.
func TestHookRunsAfterCancelledJob(t *testing.T) {
	sh := testutil.RequireProgram(t, "sh")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := (&Runner{Timeout: 10 * time.Second}).Run(ctx, []string{sh, "-c", "exit 0"}, Event{Hook: OnFailure})
	if o.Err != nil || o.ExitCode != 0 {
		t.Fatalf("outcome %+v", o)
	}
}

// Output is captured within a bound: a hook printing megabytes keeps its
// start and end, not the rest.
func TestHookOutputBounded(t *testing.T) {
	sh := testutil.RequireProgram(t, "sh")
	testutil.RequireProgram(t, "head")
	script := `echo FIRST; head -c 2000000 /dev/zero | tr '\0' x; echo; echo LAST; exit 3`
	r := &Runner{Timeout: 30 * time.Second, Environ: []string{"PATH=" + os.Getenv("PATH")}}
	o := r.Run(context.Background(), []string{sh, "-c", script}, Event{Hook: OnSuccess})
	if o.ExitCode != 3 || o.Err == nil || o.TimedOut {
		t.Fatalf("outcome %+v", o)
	}
	if len(o.Output) > maxOutput+100 {
		t.Fatalf("kept %d bytes of output, bound %d", len(o.Output), maxOutput)
	}
	for _, want := range []string{"FIRST", "LAST", "bytes left out"} {
		if !strings.Contains(o.Output, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestHookMissingProgram(t *testing.T) {
	o := (&Runner{}).Run(context.Background(), []string{"/nonexistent/hook"}, Event{Hook: OnSuccess})
	if o.Err == nil || o.ExitCode != -1 {
		t.Fatalf("outcome %+v", o)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// alive reports whether pid still runs (a zombie is dead).
func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
