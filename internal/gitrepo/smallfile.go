package gitrepo

import (
	"errors"
	"io/fs"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// Size limits for the git files hearth reads itself.
const (
	maxRefFile    = 4 << 10
	maxConfigFile = 1 << 20
	maxPackedRefs = 64 << 20
)

// readSmallFile reads a git file hearth reads itself (see safefile: the
// repository may be a remote's, which is untrusted). Anything unusual gives
// ok=false and the caller leaves the question to git; missing reports a
// file that does not exist.
func readSmallFile(path string, limit int64) (data []byte, ok, missing bool) {
	data, err := safefile.Read(path, limit, nil)
	if err != nil {
		return nil, false, errors.Is(err, fs.ErrNotExist)
	}
	return data, true, false
}
