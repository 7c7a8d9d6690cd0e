package secrets

import (
	"io/fs"
	"syscall"
)

// fileStat returns the owner ids of a file, when the platform exposes them.
func fileStat(fi fs.FileInfo) (uid, gid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}

func fileUID(fi fs.FileInfo) (int, bool) {
	uid, _, ok := fileStat(fi)
	return uid, ok
}
