package gitrepo

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// lockSettle is how long RemoveStaleLocks waits for git processes in the
// repository to exit before it leaves their locks alone.
const lockSettle = 2 * time.Second

// RemoveStaleLocks deletes lock files (index.lock, HEAD.lock, packed-refs.lock,
// config.lock, refs/**/*.lock) and BuildTree scratch indexes that a killed
// process left behind, and returns the ones it removed. Without this, one
// SIGKILL at the wrong moment would make every later git command in the
// repository fail until a human deletes the file.
//
// Git's lock files are not flock()ed: they exist exactly while a git process
// is between creating and renaming them. So a lock is taken to be stale only
// when all of these hold:
//   - it is older than minAge (a lock that young may belong to a git started
//     in a way we cannot see, e.g. with GIT_DIR from elsewhere);
//   - no process has it open (every /proc/<pid>/fd is checked);
//   - no git process runs with its working directory inside the repository
//     (a user's interactive `git commit` holds index.lock while the editor is
//     open and may have closed the file).
//
// The caller must hold hearth's own job lock, so that no hearth git command
// runs in this repository at the same time. Processes we may not inspect
// (other users, without root) are assumed not to be git in this repository:
// they could not write to it either.
func (r *Repo) RemoveStaleLocks(ctx context.Context, minAge time.Duration) ([]string, error) {
	locks, err := r.lockFiles()
	if err != nil {
		return nil, err
	}
	swept, ownerless := r.sweepTempIndexes()
	locks = append(locks, ownerless...)
	if len(locks) == 0 {
		return swept, nil
	}
	now := time.Now()
	var old []string
	for _, l := range locks {
		st, err := os.Lstat(l)
		if err == nil && now.Sub(st.ModTime()) >= minAge {
			old = append(old, l)
		}
	}
	if len(old) == 0 {
		return swept, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	held, busy := r.lockUsers(old)
	// A git killed together with the hearth that ran it (see run.go) takes
	// a moment to exit; give such processes that moment before deciding.
	for deadline := time.Now().Add(lockSettle); busy != "" && time.Now().Before(deadline); {
		t := time.NewTimer(20 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		held, busy = r.lockUsers(old)
	}
	if busy != "" {
		r.log.Info("git lock files left in place: a git process is working in the repository", "repo", r.Dir(), "process", busy)
		return swept, nil
	}
	removed := swept
	for _, l := range old {
		if held[l] {
			continue
		}
		if err := os.Remove(l); err != nil && !os.IsNotExist(err) {
			return removed, fmt.Errorf("remove stale git lock %s: %w", l, err)
		}
		r.log.Warn("removed stale git lock file", "repo", r.Dir(), "file", l)
		removed = append(removed, l)
	}
	return removed, nil
}

// lockFiles finds the lock files git may leave in the git dir.
func (r *Repo) lockFiles() ([]string, error) {
	var locks []string
	for _, name := range []string{"index.lock", "HEAD.lock", "packed-refs.lock", "config.lock", "shallow.lock", "FETCH_HEAD.lock", "ORIG_HEAD.lock"} {
		p := filepath.Join(r.GitDir, name)
		if _, err := os.Lstat(p); err == nil {
			locks = append(locks, p)
		}
	}
	err := filepath.WalkDir(filepath.Join(r.GitDir, "refs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".lock") {
			locks = append(locks, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look for stale git locks in %s: %w", r.Dir(), err)
	}
	return locks, nil
}

// lockUsers scans /proc: which of the locks some process has open, and the
// first git process (as "pid comm") whose working directory is inside the
// repository, if any.
func (r *Repo) lockUsers(locks []string) (map[string]bool, string) {
	// /proc shows resolved paths; compare like with like.
	want := map[string]string{}
	for _, l := range locks {
		want[resolved(l)] = l
	}
	roots := []string{resolved(r.GitDir)}
	if r.WorkTree != "" {
		roots = append(roots, resolved(r.WorkTree))
	}
	held := map[string]bool{}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return held, ""
	}
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		dir := filepath.Join("/proc", p.Name())
		fds, _ := os.ReadDir(filepath.Join(dir, "fd")) // unreadable: not ours to judge
		for _, fd := range fds {
			if target, err := os.Readlink(filepath.Join(dir, "fd", fd.Name())); err == nil && want[target] != "" {
				held[want[target]] = true
			}
		}
		comm, err := os.ReadFile(filepath.Join(dir, "comm"))
		if err != nil || !strings.HasPrefix(strings.TrimSpace(string(comm)), "git") {
			continue
		}
		cwd, err := os.Readlink(filepath.Join(dir, "cwd"))
		if err != nil {
			continue
		}
		for _, root := range roots {
			if cwd == root || strings.HasPrefix(cwd, root+string(filepath.Separator)) {
				return held, fmt.Sprintf("%d %s", pid, strings.TrimSpace(string(comm)))
			}
		}
	}
	return held, ""
}

func resolved(p string) string {
	if e, err := filepath.EvalSymlinks(p); err == nil {
		return e
	}
	return p
}
