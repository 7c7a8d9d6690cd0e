package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks bounds the symlinks followed while resolving one path, as the
// kernel does.
const maxLinks = 40

// WalkPath resolves the absolute path from / one component at a time,
// following symlinks by hand, and calls visit with the path and Lstat of
// "/" and of every component it meets, links included, before going past
// it: a check of who could swap what lies beneath sees each of them. It
// returns the resolved path and the Lstat of what it names. A missing
// component ends the walk with an error matching fs.ErrNotExist.
func WalkPath(path string, visit func(p string, fi fs.FileInfo) error) (string, fs.FileInfo, error) {
	if !filepath.IsAbs(path) {
		return "", nil, &fs.PathError{Op: "open", Path: path, Err: errors.New("not an absolute path")}
	}
	cur := "/"
	fi, err := os.Lstat(cur)
	if err != nil {
		return "", nil, err
	}
	if err := visit(cur, fi); err != nil {
		return "", nil, err
	}
	rest, links := strings.Split(path, "/"), 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			cur = filepath.Dir(cur)
			if fi, err = os.Lstat(cur); err != nil {
				return "", nil, err
			}
			continue
		}
		next := filepath.Join(cur, c)
		if fi, err = os.Lstat(next); err != nil {
			return "", nil, err
		}
		if err := visit(next, fi); err != nil {
			return "", nil, err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if links++; links > maxLinks {
			return "", nil, &fs.PathError{Op: "open", Path: path, Err: syscall.ELOOP}
		}
		target, err := os.Readlink(next)
		if err != nil {
			return "", nil, err
		}
		if filepath.IsAbs(target) {
			cur = "/"
		}
		rest = append(strings.Split(target, "/"), rest...)
		if fi, err = os.Lstat(cur); err != nil {
			return "", nil, err
		}
	}
	return cur, fi, nil
}
