package trash

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// openParent opens the directory that holds root/rel's last component,
// walking from root one component at a time with O_NOFOLLOW, so no
// symlink between root and the path is followed, even one swapped in
// while hearth works (a user racing hearth running as root over their
// home). Operations then go through the returned directory (renameat,
// or the /proc/self/fd path of it). With create, missing directories are
// made, 0700. Root itself is the configured directory and may lie below
// links (/home -> /var/home).
func openParent(root, rel string, create bool) (*os.File, string, error) {
	rel = filepath.Clean(filepath.FromSlash(rel))
	if rel == "." || filepath.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, "", fmt.Errorf("trash: path %q is not inside %s", rel, root)
	}
	d, base, err := safefile.OpenParent(root, filepath.ToSlash(rel), create, 0o700)
	if errors.Is(err, safefile.ErrThroughLink) {
		var pe *fs.PathError
		errors.As(err, &pe)
		return nil, "", fmt.Errorf("trash: %s is not a directory (a symlink is never followed)", filepath.Join(root, filepath.FromSlash(pe.Path)))
	}
	return d, base, err
}

// inDir names base inside the open directory d, for calls that take a
// path: the kernel resolves /proc/self/fd/N to d itself, never again
// through the names that led to it.
func inDir(d *os.File, base string) string {
	return "/proc/self/fd/" + strconv.Itoa(int(d.Fd())) + "/" + base
}
