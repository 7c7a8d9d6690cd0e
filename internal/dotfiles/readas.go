package dotfiles

import (
	"fmt"
	"os/user"
	"runtime"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// readAs reads path with the file-system identity of u: its uid, gid and
// groups (Linux fsuid, fsgid and groups), so that hearth running as root
// for a user's home lets templates include only what that user could
// read.
func readAs(u *Owner, path string, limit int64) (b []byte, err error) {
	err = asUser(u, func() error {
		b, err = safefile.Read(path, limit, nil)
		return err
	})
	return b, err
}

// asUser runs fn with the file-system identity of u, set on a thread of
// its own which is never given back to the runtime (it exits with its
// goroutine).
func asUser(u *Owner, fn func() error) error {
	groups, err := groupsOf(u)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with this goroutine
		if err := setThreadIdentity(u, groups); err != nil {
			done <- err
			return
		}
		done <- fn()
	}()
	return <-done
}

// groupsOf lists u's groups, the primary one included.
func groupsOf(u *Owner) ([]uint32, error) {
	groups := []uint32{uint32(u.GID)}
	usr, err := user.LookupId(strconv.Itoa(u.UID))
	if err != nil {
		return groups, nil // a uid without a passwd entry has its primary group only
	}
	ids, err := usr.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("groups of uid %d: %w", u.UID, err)
	}
	for _, id := range ids {
		if g, err := strconv.ParseUint(id, 10, 32); err == nil {
			groups = append(groups, uint32(g))
		}
	}
	return groups, nil
}

// setThreadIdentity changes the calling thread's groups, fsgid and fsuid
// only (raw system calls: the runtime's wrappers change every thread).
func setThreadIdentity(u *Owner, groups []uint32) error {
	if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(groups)), uintptr(unsafe.Pointer(&groups[0])), 0); e != 0 {
		return fmt.Errorf("setgroups: %w", e)
	}
	unix.RawSyscall(unix.SYS_SETFSGID, uintptr(u.GID), 0, 0)
	unix.RawSyscall(unix.SYS_SETFSUID, uintptr(u.UID), 0, 0)
	// setfsuid and setfsgid report no error: check that they took.
	if cur, _, _ := unix.RawSyscall(unix.SYS_SETFSUID, ^uintptr(0), 0, 0); int(cur) != u.UID {
		return fmt.Errorf("setfsuid %d did not take", u.UID)
	}
	if cur, _, _ := unix.RawSyscall(unix.SYS_SETFSGID, ^uintptr(0), 0, 0); int(cur) != u.GID {
		return fmt.Errorf("setfsgid %d did not take", u.GID)
	}
	return nil
}
