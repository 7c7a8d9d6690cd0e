package gitrepo

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// ErrForeignOwner: the repository belongs to a user other than the one
// running hearth. Git runs programs a repository's owner configures (hooks,
// filters, fsmonitor, diff and merge drivers); hearth running as root in a
// user's clone would run them as root.
var ErrForeignOwner = errors.New("repository owned by another user")

// CheckOwner refuses a repository unless its top directory, its git dir and
// the git dir's config belong to the effective uid and are not writable by
// others. dir is a work tree or the git dir of a bare repository; paths that
// do not exist are skipped (Open reports those).
func CheckOwner(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("check owner of %s: %w", dir, err)
	}
	gitDir := filepath.Join(abs, ".git")
	if _, err := os.Stat(gitDir); err != nil {
		gitDir = abs // bare, or absent
	}
	return checkOwned(abs, abs, gitDir, filepath.Join(gitDir, "config"))
}

// checkOwned applies CheckOwner's rule to paths, naming repo in the error.
func checkOwned(repo string, paths ...string) error {
	uid := os.Geteuid()
	for _, p := range paths {
		// Stat, not Lstat: what git opens is the link's target.
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			continue
		}
		if int(st.Uid) != uid {
			return fmt.Errorf("git repository %s: %s is owned by %s, not by %s who runs hearth; refusing to run git there (its hooks and configured programs would run as %s): %w",
				repo, p, userName(int(st.Uid)), userName(uid), userName(uid), ErrForeignOwner)
		}
		if fi.Mode().Perm()&0o002 != 0 && fi.Mode()&os.ModeSticky == 0 {
			return fmt.Errorf("git repository %s: %s is writable by every user; refusing to run git there: %w", repo, p, ErrForeignOwner)
		}
	}
	return nil
}

func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return fmt.Sprintf("uid %d (%s)", uid, u.Username)
	}
	return fmt.Sprintf("uid %d", uid)
}
