package chezmoicfg

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// ReadFunc reads a file, capped and without following a final symlink; the
// caller decides as which user.
type ReadFunc func(path string) ([]byte, error)

// Find returns the chezmoi config file in configDir (a user's config
// home, e.g. ~/.config): chezmoi/chezmoi.<ext> for the one extension
// present, "" when there is none. More than one is an error, as in chezmoi.
func Find(configDir string, exists func(string) bool) (string, error) {
	var found []string
	for _, ext := range Extensions {
		p := filepath.Join(configDir, "chezmoi", "chezmoi."+ext)
		if exists(p) {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("multiple chezmoi config files: %s (keep one)", strings.Join(found, ", "))
}

// Load reads and parses the config at path. A missing file is nil, nil
// unless explicit.
func Load(path string, explicit bool, read ReadFunc) (*Config, error) {
	b, err := read(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return nil, nil
	}
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	return Parse(path, b)
}
