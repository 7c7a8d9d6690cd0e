package secrets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// mkdirAllExact creates dir and any missing parents with exactly mode: the
// boot unit runs under UMask=0077, which would leave them 0700 and lock
// every owner out of its own secret. Existing dirs are left as they are.
func mkdirAllExact(dir string, mode fs.FileMode) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s: not a directory", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirAllExact(parent, mode); err != nil {
			return err
		}
	}
	return mkdirExact(dir, mode)
}

// mkdirExact creates dir with exactly mode whatever the umask; a dir that
// exists already is not an error and keeps its mode.
func mkdirExact(dir string, mode fs.FileMode) error {
	if err := os.Mkdir(dir, mode); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		return err
	}
	return os.Chmod(dir, mode)
}
