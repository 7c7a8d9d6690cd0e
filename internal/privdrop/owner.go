package privdrop

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks bounds symlink resolution, as the kernel's ELOOP does.
const maxLinks = 40

// Owner returns the user who controls path: the uid owning any component
// on the way to it, each symlink and each directory counted, symlinks
// followed. Whoever owns a component can swap what lies beneath it, so the
// owner of the final directory alone is not enough. Root-owned components
// do not count: 0 means only root controls path. The walk stops at the
// first component that does not exist yet; a path through the components
// of two different users is refused, and so is one through a directory
// that others may write to without the sticky bit: anyone could swap what
// lies beneath it, whoever owns it.
func Owner(path string) (uint32, error) {
	if !filepath.IsAbs(path) {
		return 0, fmt.Errorf("%s: not an absolute path", path)
	}
	var owner uint32
	var ownerAt string
	cur, rest, links := "/", components(path), 0
	if err := checkSwappable("/"); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		if c == ".." {
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, c)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) {
			return owner, nil
		}
		if err != nil {
			return 0, err
		}
		if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != 0 && uid != owner {
			if owner != 0 {
				return 0, fmt.Errorf("%s: passes through %s, owned by %s, and %s, owned by %s", path, ownerAt, Describe(owner), next, Describe(uid))
			}
			owner, ownerAt = uid, next
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if err := swappable(next, fi); err != nil {
				return 0, fmt.Errorf("%s: %w", path, err)
			}
			cur = next
			continue
		}
		if links++; links > maxLinks {
			return 0, fmt.Errorf("%s: too many symlinks", path)
		}
		target, err := os.Readlink(next)
		if err != nil {
			return 0, err
		}
		if filepath.IsAbs(target) {
			cur = "/"
		}
		rest = append(components(target), rest...)
	}
	return owner, nil
}

func checkSwappable(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	return swappable(dir, fi)
}

// swappable refuses a directory that group or others may write to without
// the sticky bit: any of them could rename what lies beneath it.
func swappable(dir string, fi fs.FileInfo) error {
	if fi.IsDir() && fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return fmt.Errorf("passes through %s (mode %04o), which others may write to: anyone could swap what lies beneath it", dir, fi.Mode().Perm())
	}
	return nil
}

func components(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}
