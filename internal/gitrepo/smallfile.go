package gitrepo

import (
	"errors"
	"io"
	"os"
	"syscall"
)

// Size limits for the git files hearth reads itself.
const (
	maxRefFile    = 4 << 10
	maxConfigFile = 1 << 20
	maxPackedRefs = 64 << 20
)

// readSmallFile reads a regular file of at most limit bytes without
// following a final symlink or blocking (a FIFO). The repositories it
// reads may be a remote's, which is untrusted: anything else gives
// ok=false and the caller leaves the question to git. missing reports a
// file that does not exist.
func readSmallFile(path string, limit int64) (data []byte, ok, missing bool) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, false, errors.Is(err, os.ErrNotExist)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > limit {
		return nil, false, false
	}
	data, err = io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil || int64(len(data)) > limit {
		return nil, false, false
	}
	return data, true, false
}
