// Package gitrepo is the one place in hearth that runs git. It drives the git
// CLI (plumbing where possible) in a controlled environment: C locale, no
// terminal prompts, no system or user configuration, no automatic gc, and an
// explicit --git-dir so a missing repository is never silently replaced by a
// parent directory's. Every method takes a context; every error names the
// repository, the command and git's stderr.
package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultTimeout bounds one git command when Options.Timeout is zero.
const DefaultTimeout = 10 * time.Minute

// Options control how git is run for a repository.
type Options struct {
	// Env is appended last to git's environment (so it can override the
	// defaults), e.g. GIT_SSH_COMMAND.
	Env []string
	// GlobalConfig is used as GIT_CONFIG_GLOBAL; "" means /dev/null, so a
	// user's ~/.gitconfig never changes what hearth does.
	GlobalConfig string
	// Timeout bounds each git command; 0 means DefaultTimeout.
	Timeout time.Duration
	// FsckObjects checks every object received by Clone and Fetch
	// (transfer.fsckObjects): stricter against a hostile remote, but it
	// refuses old histories with malformed objects.
	FsckObjects bool
	Logger      *slog.Logger // nil: discard
}

// Repo is a git repository: a work tree with its git dir, or a bare repository.
type Repo struct {
	// GitDir is the absolute path of the git directory.
	GitDir string
	// WorkTree is the absolute path of the work tree; "" for a bare repository.
	WorkTree string
	opts     Options
	log      *slog.Logger
	idLen    int // hex length of object ids: 40 (sha1) or 64 (sha256)
	// driverArgs switch off the filter, diff and merge drivers the
	// repository's config defines (see drivers.go).
	driverArgs []string
}

// Dir is the path that names the repository in messages: the work tree, or
// the git dir of a bare repository.
func (r *Repo) Dir() string {
	if r.WorkTree != "" {
		return r.WorkTree
	}
	return r.GitDir
}

// Bare reports whether the repository has no work tree.
func (r *Repo) Bare() bool { return r.WorkTree == "" }

func newRepo(gitDir, workTree string, opts Options) *Repo {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Repo{GitDir: gitDir, WorkTree: workTree, opts: opts, log: log, idLen: 40}
}

// Open opens the repository whose work tree (or, for a bare repository, git
// dir) is exactly dir. It does not search parent directories.
func Open(ctx context.Context, dir string, opts Options) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open git repo %s: %w", dir, err)
	}
	// Before any git runs there: even rev-parse reads the repository's config.
	if err := CheckOwner(abs); err != nil {
		return nil, err
	}
	if r := openPlain(abs, opts); r != nil {
		return r, nil
	}
	probe := newRepo("", "", opts)
	probe.GitDir = abs // only for messages until resolved
	// GIT_CEILING_DIRECTORIES stops discovery at dir's parent, so a
	// non-repository inside some other repository is reported, not adopted.
	out, err := probe.run(ctx, call{
		args: []string{"rev-parse", "--is-bare-repository", "--absolute-git-dir", "--show-object-format"},
		dir:  abs,
		env:  []string{"GIT_CEILING_DIRECTORIES=" + filepath.Dir(abs)},
		raw:  true,
	})
	if err != nil {
		return nil, fmt.Errorf("open git repo %s: not a git repository: %w", abs, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 {
		return nil, fmt.Errorf("open git repo %s: unexpected rev-parse output %q", abs, out)
	}
	gitDir := lines[1]
	idLen := 40
	if lines[2] == "sha256" {
		idLen = 64
	}
	if lines[0] == "true" {
		if !samePath(gitDir, abs) {
			return nil, fmt.Errorf("open git repo %s: the repository is %s, not this directory", abs, gitDir)
		}
		r := newRepo(gitDir, "", opts)
		r.idLen = idLen
		return r, r.loadDrivers(ctx)
	}
	// A gitfile or core.worktree may put the git dir elsewhere.
	if err := checkOwned(abs, gitDir, filepath.Join(gitDir, "config")); err != nil {
		return nil, err
	}
	top, err := probe.run(ctx, call{args: []string{"rev-parse", "--show-toplevel"}, dir: abs, raw: true})
	if err != nil {
		return nil, fmt.Errorf("open git repo %s: %w", abs, err)
	}
	if !samePath(strings.TrimSpace(string(top)), abs) {
		return nil, fmt.Errorf("open git repo %s: it is inside the work tree %s, not its top", abs, strings.TrimSpace(string(top)))
	}
	r := newRepo(gitDir, abs, opts)
	r.idLen = idLen
	return r, r.loadDrivers(ctx)
}

func (r *Repo) loadDrivers(ctx context.Context) error {
	names, err := r.driversFromGit(ctx)
	if err != nil {
		return fmt.Errorf("open git repo %s: %w", r.Dir(), err)
	}
	return r.setDrivers(names)
}

func samePath(a, b string) bool {
	if a == b {
		return true
	}
	ea, err1 := filepath.EvalSymlinks(a)
	eb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ea == eb
}

// Init creates a repository at dir (a bare one when bare is set) whose
// unborn HEAD points at branch ("" means main).
func Init(ctx context.Context, dir string, bare bool, branch string, opts Options) (*Repo, error) {
	if branch == "" {
		branch = "main"
	}
	if err := checkRefName(branch); err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	args := []string{"init", "--quiet", "--initial-branch=" + branch}
	if bare {
		args = append(args, "--bare")
	}
	args = append(args, "--", abs)
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("init %s: %w", abs, err)
	}
	probe := newRepo(abs, "", opts)
	if _, err := probe.run(ctx, call{args: args, raw: true, dir: abs}); err != nil {
		return nil, err
	}
	return Open(ctx, abs, opts)
}

// CloneOptions select what Clone makes.
type CloneOptions struct {
	Bare   bool   // a bare repository (no work tree)
	Branch string // check out / point HEAD at this branch; "" means the remote's HEAD
}

// Clone clones url into dir, which must not exist or be empty. A remote that
// cannot be reached gives an error matching ErrOffline; a reachable remote
// without co.Branch (an empty one, say) one matching ErrNotFound.
func Clone(ctx context.Context, url, dir string, co CloneOptions, opts Options) (*Repo, error) {
	if strings.HasPrefix(url, "-") || url == "" {
		return nil, fmt.Errorf("clone into %s: invalid remote URL %q", dir, redact(url))
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("clone into %s: %w", dir, err)
	}
	args := []string{"clone", "--quiet", "--no-recurse-submodules"}
	if co.Bare {
		args = append(args, "--bare")
	}
	if co.Branch != "" {
		if err := checkRefName(co.Branch); err != nil {
			return nil, fmt.Errorf("clone into %s: %w", abs, err)
		}
		args = append(args, "--branch", co.Branch)
	}
	args = append(args, "--", url, abs)
	parent := filepath.Dir(abs)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("clone into %s: %w", abs, err)
	}
	probe := newRepo(abs, "", opts)
	if _, err := probe.run(ctx, call{args: args, raw: true, dir: parent, network: true, remote: url}); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Kind == nil && strings.Contains(e.Stderr, "not found in upstream") {
			// The remote is reachable but has no such branch yet (or is empty).
			e.Kind = ErrNotFound
		}
		return nil, err
	}
	return Open(ctx, abs, opts)
}

// checkRefName refuses names git would read as options or that cannot be refs.
func checkRefName(name string) error {
	if name == "" || strings.HasPrefix(name, "-") || strings.ContainsAny(name, " \t\n\x00~^:?*[\\") {
		return fmt.Errorf("invalid ref or branch name %q", name)
	}
	return nil
}

// checkRev refuses revisions git would read as options, before git sees them.
func checkRev(rev string) error {
	if rev == "" || strings.HasPrefix(rev, "-") || strings.ContainsAny(rev, "\n\x00") {
		return fmt.Errorf("invalid revision %q", rev)
	}
	return nil
}

// exists reports whether a local path exists (for classifying local remotes).
func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
