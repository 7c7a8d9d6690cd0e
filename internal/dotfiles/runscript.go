package dotfiles

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/hearth-fleet/hearth/internal/privdrop"
)

// ScriptPolicy says whether programs from the source (run_ scripts, the
// script form of modify_) run.
type ScriptPolicy int

// Script policies.
const (
	// ScriptsRun runs them, as the home's owner (chezmoi's behaviour).
	ScriptsRun ScriptPolicy = iota
	// ScriptsOff never runs them (dotfiles.scripts = false): run_ scripts
	// are skipped, a modify_ script's target is held.
	ScriptsOff
	// ScriptsSkip leaves a modify_ script's target out of the plan and runs
	// no run_ script: for reports (status) that must not run programs.
	ScriptsSkip
)

// DefaultScriptTimeout is the default of Options.ScriptTimeout: long
// enough for an installer, short enough that a hung script does not stop
// the rounds for good.
const DefaultScriptTimeout = 30 * time.Minute

func (o *Options) scriptTimeout() time.Duration {
	if o.ScriptTimeout <= 0 {
		return DefaultScriptTimeout
	}
	return o.ScriptTimeout
}

// errScriptAsRoot: hearth runs as root and the home's owner is root or
// unknown. The remote is trusted as far as the home's owner, and a
// program it sends never runs as root.
var errScriptAsRoot = errors.New("hearth never runs a script from the source as root")

// scriptUser is who a script runs as: nil for the running user, who is
// the home's owner (the CLI re-executes itself as that owner); as root,
// the home's owner, never root itself.
func (o *Options) scriptUser() (*Owner, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u := o.commandUser()
	if u == nil || u.UID == 0 {
		return nil, errScriptAsRoot
	}
	return u, nil
}

// scriptRun is one execution of a program from the source.
type scriptRun struct {
	name    string // base name of the target: the temporary file keeps it (and its extension)
	body    []byte
	dir     string // working directory
	stdin   []byte // nil: /dev/null
	env     []string
	timeout time.Duration
	limit   int64 // stdout over it fails the run; 0: only the last stdoutKept bytes are kept
}

// scriptOutcome is what a script did.
type scriptOutcome struct {
	stdout []byte
	stderr []byte // the last stderrKept bytes
	code   int    // exit status, 128+n for signal n, -1 when it did not run
}

// stderrKept is how much of a script's stderr is kept for the log.
const stderrKept = 16 << 10

// runScript writes the script into a private temporary directory (like
// chezmoi: a file mode 0700, run directly, so its #! line picks the
// interpreter and a file without one fails with "exec format error") and
// runs it as the home's owner, in its own process group, killed with its
// children when it outlives the timeout.
func (o *Options) runScript(ctx context.Context, r scriptRun) (scriptOutcome, error) {
	out := scriptOutcome{code: -1}
	as, err := o.scriptUser()
	if err != nil {
		return out, err
	}
	tmp, err := os.MkdirTemp("", "hearth-script-")
	if err != nil {
		return out, err
	}
	defer os.RemoveAll(tmp)
	file := filepath.Join(tmp, r.name)
	if err := os.WriteFile(file, r.body, 0o700); err != nil {
		return out, err
	}
	if as != nil {
		for _, p := range []string{tmp, file} {
			if err := os.Lchown(p, as.UID, as.GID); err != nil {
				return out, err
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, file)
	cmd.Dir = r.dir
	cmd.Env = append(o.scriptBaseEnv(as), r.env...)
	if r.stdin != nil {
		cmd.Stdin = bytes.NewReader(r.stdin)
	}
	attr := &syscall.SysProcAttr{Setpgid: true}
	if as != nil {
		groups, err := groupsOf(as)
		if err != nil {
			return out, err
		}
		attr.Credential = &syscall.Credential{Uid: uint32(as.UID), Gid: uint32(as.GID), Groups: groups}
	}
	cmd.SysProcAttr = attr
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	var stdout interface {
		Write([]byte) (int, error)
		Bytes() []byte
	} = &tailBuffer{keep: stdoutKept}
	if r.limit > 0 {
		stdout = &cappedBuffer{limit: r.limit}
	}
	stderr := &tailBuffer{keep: stderrKept}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err = cmd.Run()
	out.stdout, out.stderr = stdout.Bytes(), stderr.Bytes()
	if cmd.ProcessState != nil {
		out.code = cmd.ProcessState.ExitCode()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			out.code = 128 + int(ws.Signal())
		}
	}
	if ctx.Err() == context.DeadlineExceeded {
		return out, fmt.Errorf("killed after %s (timeout)", r.timeout)
	}
	return out, err
}

// scriptBaseEnv is the environment a script starts from: hearth's own,
// which the CLI already rebuilt for the home's owner, or, when this
// process drops to the owner itself, a clean one built for them.
func (o *Options) scriptBaseEnv(as *Owner) []string {
	if as == nil {
		return os.Environ()
	}
	id, err := privdrop.Lookup(uint32(as.UID))
	if err != nil {
		return []string{"HOME=" + o.TargetDir, "PATH=/run/wrappers/bin:/run/current-system/sw/bin:/usr/local/bin:/usr/bin:/bin"}
	}
	return id.Env(o.getenv)
}

// chezmoiEnv are the CHEZMOI_* variables chezmoi gives its scripts.
func (s *SourceState) chezmoiEnv() []string {
	v := s.opts.Vars
	home := v.HomeDir
	if home == "" {
		home = s.opts.TargetDir
	}
	env := []string{"CHEZMOI=1"}
	for _, kv := range [][2]string{
		{"ARCH", v.Arch}, {"OS", v.OS}, {"HOSTNAME", v.Hostname}, {"FQDN_HOSTNAME", v.FQDNHostname},
		{"USERNAME", v.Username}, {"UID", v.UID}, {"GID", v.GID}, {"GROUP", v.Group},
		{"HOME_DIR", home}, {"DEST_DIR", s.opts.TargetDir}, {"SOURCE_DIR", s.root},
		{"WORKING_TREE", s.opts.SourceDir}, {"EXECUTABLE", executablePath()},
	} {
		env = append(env, "CHEZMOI_"+kv[0]+"="+kv[1])
	}
	return env
}

// describe says how a script ended, for reports and logs.
func (out scriptOutcome) describe(err error) string {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ee) && out.code > 128:
		return "killed by signal " + strconv.Itoa(out.code-128)
	case errors.As(err, &ee):
		return "exit status " + strconv.Itoa(out.code)
	}
	return err.Error()
}

// tailBuffer keeps the last keep bytes written to it.
type tailBuffer struct {
	buf  []byte
	keep int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.keep {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-b.keep:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) Bytes() []byte { return b.buf }
