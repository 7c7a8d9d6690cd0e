package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// CheckDir creates the state dir when missing and refuses one that a user
// other than root and the running one could write into: locks, status records and job state there steer
// what hearth (often root) does next, so a dir owned by someone else, or
// writable by group or others, could let them plant any of it.
func CheckDir(dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("state dir %s: %w", dir, err)
		}
		// A umask such as 002 would leave it group-writable, and refused.
		if err := os.Chmod(dir, 0o755); err != nil {
			return fmt.Errorf("state dir %s: %w", dir, err)
		}
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("state dir %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("state dir %s is not a directory", dir)
	}
	me := os.Geteuid()
	perm := fi.Mode().Perm()
	// Root owning it is no risk: it could do anything anyway.
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != me && st.Uid != 0 {
		return fmt.Errorf("state dir %s is owned by uid %d (mode %#o), but hearth runs as uid %d; refusing it: "+
			"another user could plant locks and state there. Remedy: chown %d %s, or set state_dir to a directory of uid %d",
			dir, st.Uid, uint32(perm), me, me, dir, me)
	}
	if perm&0o022 != 0 {
		return fmt.Errorf("state dir %s is writable by group or others (mode %#o); refusing it: "+
			"another user could plant locks and state there. Remedy: chmod go-w %s", dir, uint32(perm), dir)
	}
	// A link planted on the way to it (a state dir under /tmp) could re-point
	// root's locks and records at will.
	if err := safefile.CheckOwnedPath(dir); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	return nil
}
