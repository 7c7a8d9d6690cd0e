package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// call describes one git invocation.
type call struct {
	args   []string
	stdin  io.Reader
	env    []string
	dir    string // working directory; "" means the repo's own dir
	raw    bool   // do not add --git-dir/--work-tree (Open, Init, Clone)
	okExit []int  // exit codes that are answers, not failures
	// network marks commands that talk to a remote, so that unreachable
	// remotes and network timeouts are classified as ErrOffline.
	network bool
	remote  string   // the remote's name or URL, for local-path checks
	config  []string // more "-c", "key=value" pairs for this call only
	// noTTY runs git in a new session even for a local command, so a
	// program it starts (ssh-keygen signing) cannot prompt on a terminal.
	noTTY bool
	// stdout, when set, receives git's output as it comes instead of a
	// buffer (run then returns no output).
	stdout io.Writer
}

// keptGitEnv are the GIT_* variables inherited from hearth's environment:
// how to reach remotes. Every other GIT_* variable (GIT_DIR, GIT_INDEX_FILE,
// GIT_WORK_TREE, …) would redirect git away from the repository we name.
var keptGitEnv = map[string]bool{
	"GIT_SSH": true, "GIT_SSH_COMMAND": true, "GIT_SSH_VARIANT": true,
	"GIT_SSL_CAINFO": true, "GIT_SSL_CAPATH": true, "GIT_PROXY_COMMAND": true,
}

func (r *Repo) environ(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		// SSH_ASKPASS would let git and ssh pop up a prompt; hearth runs unattended.
		if (strings.HasPrefix(k, "GIT_") && !keptGitEnv[k]) || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" || k == "SSH_ASKPASS" {
			continue
		}
		env = append(env, kv)
	}
	global := r.opts.GlobalConfig
	if global == "" {
		global = os.DevNull
	}
	env = append(env,
		"LC_ALL=C",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+global,
		"SSH_ASKPASS_REQUIRE=never",
	)
	env = append(env, programEnv(env, r.opts.Env)...)
	env = append(env, r.opts.Env...)
	return append(env, extra...)
}

// programEnv pins, through the environment (which beats any config file),
// the programs git would otherwise take from a repository's config:
// core.sshCommand, core.askPass, core.editor, core.pager, and the protocols
// a url.<x>.insteadOf may rewrite to (no ext::, which runs a command).
// base and opts are the environment so far and the caller's additions; an
// ssh command chosen there is kept.
func programEnv(base, opts []string) []string {
	all := append(append([]string{}, base...), opts...)
	env := []string{
		"GIT_ASKPASS=", // set but empty: git asks no program at all
		"GIT_EDITOR=:",
		"GIT_PAGER=cat",
		"GIT_ALLOW_PROTOCOL=" + allowedProtocols,
	}
	if envValue(all, "GIT_SSH_COMMAND") == "" {
		ssh := "ssh"
		if p := envValue(all, "GIT_SSH"); p != "" {
			ssh = shellQuote(p)
		}
		env = append(env, "GIT_SSH_COMMAND="+ssh)
	}
	return env
}

// allowedProtocols are the transports hearth's remotes may use.
const allowedProtocols = "file:git:http:https:ssh"

// envValue is the last value of key in env, as exec sees it.
func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// safetyArgs are given to every git command. Hooks and fsmonitor would run
// programs named by the repository; the credential helper list is emptied
// for the same reason. Durability: objects, refs and the index reach the
// disk before git reports success, in one batched flush per command, so a
// power cut does not leave the empty object files that break every later
// round.
var safetyArgs = []string{
	"--no-pager",
	"-c", "core.hooksPath=" + os.DevNull,
	"-c", "core.fsmonitor=false",
	"-c", "credential.helper=",
	"-c", "core.fsync=added",
	"-c", "core.fsyncMethod=batch",
	// Automatic gc would fork a detached process that keeps locks after the
	// command returned; hearth's rounds must own the repository alone.
	"-c", "gc.auto=0",
	"-c", "maintenance.auto=false",
	// A remote that accepts the connection and then says nothing (a
	// stalled proxy, a hostile server) would hold the job's lock until
	// the command's deadline, 10 minutes by default: over http(s), a
	// transfer that moves no byte for stallSeconds is given up (offline).
	"-c", "http.lowSpeedLimit=1",
}

// stallSeconds is http.lowSpeedTime; tests shorten it.
var stallSeconds = 120

func (r *Repo) baseArgs(c call) []string {
	args := append(append([]string{}, safetyArgs...), "-c", fmt.Sprintf("http.lowSpeedTime=%d", stallSeconds))
	args = append(append(args, r.driverArgs...), c.config...)
	if r.opts.FsckObjects {
		args = append(args, "-c", "transfer.fsckObjects=true")
	}
	if !c.raw {
		args = append(args, "--git-dir="+r.GitDir)
		if r.WorkTree != "" {
			args = append(args, "--work-tree="+r.WorkTree)
		}
	}
	return args
}

func (r *Repo) timeout() time.Duration {
	if r.opts.Timeout > 0 {
		return r.opts.Timeout
	}
	return DefaultTimeout
}

// run runs git and returns its stdout. Exit codes listed in c.okExit are
// returned through exitCode with a nil error.
func (r *Repo) run(ctx context.Context, c call) ([]byte, error) {
	out, _, _, err := r.runFull(ctx, c)
	return out, err
}

func (r *Repo) runCode(ctx context.Context, c call) ([]byte, int, error) {
	out, _, code, err := r.runFull(ctx, c)
	return out, code, err
}

// runFull runs git and returns stdout, stderr (for the few commands that
// answer there), the exit code and the error.
func (r *Repo) runFull(ctx context.Context, c call) ([]byte, string, int, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	full := append(r.baseArgs(c), c.args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	extra := c.env
	httpOnly := c.network && httpURL(c.remote)
	if httpOnly {
		// This call may reach only the URL's own transport: a rewrite
		// (url.insteadOf) to ssh fails instead of running ssh, so no
		// program can ask on a terminal and no new session is needed.
		extra = append(append([]string{}, c.env...), "GIT_ALLOW_PROTOCOL=http:https")
	}
	cmd.Env = r.environ(extra)
	cmd.Dir = c.dir
	if cmd.Dir == "" {
		cmd.Dir = r.Dir()
	}
	// Its own process group, to kill git and its children when the context
	// ends. Commands that may run ssh also get a new session: without a
	// controlling terminal ssh fails at once instead of stopping to ask for
	// a passphrase. Local commands, and network ones that cannot run ssh
	// (an http(s) URL, above), skip setsid: a new session is a new
	// scheduling autogroup, which on a busy machine made each watcher poll
	// cost 2-3 times a plain git ls-remote. Pdeathsig: a hearth killed mid-round takes
	// its git with it, so no orphan (a fetch finishing late, say) races the
	// next round over refs and the index. Linux sends it when the forking
	// OS thread exits, not the process; Go keeps its threads unless a
	// goroutine exits while locked to one, so hearth must never leave a
	// LockOSThread without UnlockOSThread.
	session := c.noTTY || c.network && !httpOnly
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: !session, Setsid: session, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	if c.stdout != nil {
		cmd.Stdout = c.stdout
	}
	cmd.Stderr = &stderr
	cmd.Stdin = c.stdin
	start := time.Now()
	err := cmd.Run()
	code := -1
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	}
	r.log.Debug("git", "repo", r.Dir(), "args", redactArgs(c.args), "exit", code, "duration", time.Since(start))
	if err == nil {
		return stdout.Bytes(), stderr.String(), 0, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ctx.Err() == nil {
		for _, ok := range c.okExit {
			if code == ok {
				return stdout.Bytes(), stderr.String(), code, nil
			}
		}
	}
	e := &Error{Repo: r.Dir(), Args: redactArgs(c.args), ExitCode: code, Stderr: trimStderr(stderr.String())}
	switch {
	case ctx.Err() != nil:
		e.Err = ctx.Err()
		e.ExitCode = -1
	case !errors.As(err, &ee):
		e.Err = err
	}
	// The remote's URL is looked up only now, on failure: a successful
	// fetch must not pay for an extra git call.
	// A timeout on the network is an unreachable remote; a cancellation
	// (the caller giving up) is not.
	if e.Err == nil && looksCorrupt(e.Stderr) {
		e.Kind = ErrCorrupt
	}
	if c.network && (errors.Is(ctx.Err(), context.DeadlineExceeded) || looksOffline(e.Stderr) || localRemoteMissing(r.remoteURL(ctx, c.remote))) {
		e.Kind = ErrOffline
		remote := r.remoteURL(ctx, c.remote)
		if host := unknownHost(ctx, e.Stderr, remote); host != "" {
			e.Kind = unknownHostKind(remote, host)
		}
	}
	return stdout.Bytes(), stderr.String(), code, e
}

// httpURL reports whether remote is an http:// or https:// URL, which git
// reaches through curl alone (no ssh, no proxy command).
func httpURL(remote string) bool {
	return strings.HasPrefix(remote, "http://") || strings.HasPrefix(remote, "https://")
}

func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = redact(a)
	}
	return out
}

// localRemoteMissing reports whether u names a local repository (a path or a
// file:// URL) that is missing the way an unmounted disk or share is: its
// directory is missing too, or empty, as a mount point with nothing mounted
// is. That is offline, like an unreachable host. A repository missing from
// a directory that holds other things is a typo in its name, which must fail
// with git's message rather than read as offline forever.
func localRemoteMissing(u string) bool {
	p := u
	switch {
	case strings.HasPrefix(u, "file://"):
		pu, err := url.Parse(u)
		if err != nil {
			return false
		}
		p = pu.Path
	case !filepath.IsAbs(u):
		return false
	}
	p = filepath.Clean(p)
	if exists(p) {
		return false
	}
	entries, err := os.ReadDir(filepath.Dir(p))
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	return len(entries) == 0
}
