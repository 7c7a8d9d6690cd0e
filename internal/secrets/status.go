package secrets

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
)

// Status is what is installed, by name only, for `hearth status`.
type Status struct {
	Root string `json:"root"`
	// Generation is the live generation dir; empty when none is installed.
	Generation string `json:"generation,omitempty"`
	// Generations lists the kept generation dirs, oldest first.
	Generations []string `json:"generations,omitempty"`
	// Secrets lists the names in the live generation.
	Secrets []string `json:"secrets,omitempty"`
}

// Installed reports the live generation without reading any value. A root
// that hearth did not make is an error, as in Install.
func Installed(opts Options) (Status, error) {
	o := opts.withDefaults()
	l := layout{root: o.Root, gens: o.GenerationsDir}
	st := Status{Root: o.Root}
	cur, err := l.current()
	if err != nil {
		return st, err
	}
	ns, err := l.generations()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return st, err
	}
	for _, n := range ns {
		st.Generations = append(st.Generations, l.genPath(n))
	}
	if cur == 0 {
		return st, nil
	}
	st.Generation = l.genPath(cur)
	err = filepath.WalkDir(st.Generation, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(st.Generation, p)
			if err != nil {
				return err
			}
			st.Secrets = append(st.Secrets, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("live secrets generation %s: %w", st.Generation, err)
	}
	sort.Strings(st.Secrets)
	return st, nil
}
