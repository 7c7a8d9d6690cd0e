package testutil

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Remote is a bare git repository in a test's temp dir, reachable as a
// file:// URL and over smart HTTP (git http-backend as CGI on 127.0.0.1).
// Stop makes it unreachable through both; Start brings it back at the same URLs.
type Remote struct {
	// Dir is the bare repository while the remote is started.
	Dir string

	root    string // GIT_PROJECT_ROOT: the parent of Dir
	name    string // Dir's base name, the URL path
	backend string
	addr    string // 127.0.0.1:port, kept across Stop/Start

	mu  sync.Mutex
	srv *http.Server
	ln  net.Listener
	up  bool
}

// GitEnv is the environment for git in tests: no system or user config, C
// locale, no prompts, and a fixed identity so commits are reproducible.
func GitEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "GIT_") || strings.HasPrefix(k, "LC_") || k == "LANG" {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"LC_ALL=C", "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.invalid",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.invalid",
	)
}

// Git runs git with GitEnv in dir and returns its trimmed stdout; a failure
// fails the test with git's stderr.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := GitErr(dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// GitErr is Git for callers that expect failures (or run outside the test
// goroutine, where t.Fatal is not allowed).
func GitErr(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = GitEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), errors.New("git " + strings.Join(args, " ") + " in " + dir + ": " + err.Error() + ": " + strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// NewRemote creates an empty bare repository (HEAD on main) that accepts
// pushes over HTTP, serves it, and stops the server when the test ends.
func NewRemote(t testing.TB) *Remote {
	t.Helper()
	RequireProgram(t, "git")
	execPath := Git(t, "", "--exec-path")
	backend := filepath.Join(execPath, "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		Missing(t, "git-http-backend not found in "+execPath)
	}
	// The repository sits alone in its own directory, like a disk mounted
	// there: Stop leaves that directory empty, as an unmounted disk does.
	root := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	r := &Remote{Dir: filepath.Join(root, "remote.git"), root: root, name: "remote.git", backend: backend}
	Git(t, root, "init", "--quiet", "--bare", "--initial-branch=main", r.Dir)
	Git(t, r.Dir, "config", "http.receivepack", "true")
	// Concurrent test pushes must not start detached gc in a temp dir that
	// is about to be removed.
	Git(t, r.Dir, "config", "gc.auto", "0")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("git remote: listen: %v", err)
	}
	r.addr = ln.Addr().String()
	r.serve(ln)
	t.Cleanup(r.shutdown)
	return r
}

func (r *Remote) handler() http.Handler {
	return &cgi.Handler{
		Path: r.backend,
		Dir:  r.root,
		// http-backend's complaints (a missing repository asked for on
		// purpose) would only clutter test output; the client reports them.
		Stderr: io.Discard,
		Env: []string{
			"GIT_PROJECT_ROOT=" + r.root,
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_NOSYSTEM=1",
			"GIT_CONFIG_GLOBAL=" + os.DevNull,
			"LC_ALL=C",
		},
	}
}

func (r *Remote) serve(ln net.Listener) {
	srv := &http.Server{Handler: r.handler(), ReadHeaderTimeout: 30 * time.Second}
	r.mu.Lock()
	r.srv, r.ln, r.up = srv, ln, true
	r.mu.Unlock()
	// Serve returns http.ErrServerClosed after Stop; nothing to report.
	go func() { _ = srv.Serve(ln) }()
}

// FileURL is the file:// URL of the bare repository.
func (r *Remote) FileURL() string { return "file://" + r.Dir }

// HTTPURL is the smart-HTTP URL of the bare repository.
func (r *Remote) HTTPURL() string { return "http://" + r.addr + "/" + r.name }

// offlineDir is where the repository's directory waits while stopped.
func (r *Remote) offlineDir() string { return r.root + "-offline" }

// Stop makes the remote unreachable: the HTTP server stops (connections are
// refused) and the directory holding the bare repository is left empty, like
// the mount point of a disk that is not there.
func (r *Remote) Stop(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.up {
		return
	}
	if err := r.srv.Close(); err != nil {
		t.Fatalf("git remote: stop server: %v", err)
	}
	if err := os.Rename(r.root, r.offlineDir()); err != nil {
		t.Fatalf("git remote: take offline: %v", err)
	}
	if err := os.Mkdir(r.root, 0o755); err != nil {
		t.Fatal(err)
	}
	r.up = false
}

// Start makes a stopped remote reachable again at the same URLs.
func (r *Remote) Start(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	if r.up {
		r.mu.Unlock()
		return
	}
	if err := os.Remove(r.root); err != nil {
		r.mu.Unlock()
		t.Fatalf("git remote: bring online: %v", err)
	}
	if err := os.Rename(r.offlineDir(), r.root); err != nil {
		r.mu.Unlock()
		t.Fatalf("git remote: bring online: %v", err)
	}
	r.mu.Unlock()
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		t.Fatalf("git remote: listen again on %s: %v", r.addr, err)
	}
	r.serve(ln)
}

func (r *Remote) shutdown() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.up {
		// Errors closing a test server at cleanup change nothing for the test.
		_ = r.srv.Close()
	}
}

// Head returns the commit id of refs/heads/<branch> in the remote, or "" if
// the branch does not exist.
func (r *Remote) Head(t testing.TB, branch string) string {
	t.Helper()
	out, err := GitErr(r.Dir, "rev-parse", "--verify", "--quiet", "refs/heads/"+branch)
	if err != nil {
		return ""
	}
	return out
}

// SeedMain commits files (path → content) on top of main in the remote,
// through a temporary clone and a push, and returns the new commit id.
func (r *Remote) SeedMain(t testing.TB, files map[string]string) string {
	t.Helper()
	work := filepath.Join(t.TempDir(), "seed")
	Git(t, "", "clone", "--quiet", r.FileURL(), work)
	Git(t, work, "checkout", "--quiet", "-B", "main")
	for p, content := range files {
		full := filepath.Join(work, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	Git(t, work, "add", "--all")
	Git(t, work, "commit", "--quiet", "--allow-empty", "-m", "seed")
	Git(t, work, "push", "--quiet", "origin", "main")
	return Git(t, work, "rev-parse", "HEAD")
}
