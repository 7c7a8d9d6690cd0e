package golden

import (
	"errors"
	"fmt"
	"github.com/hearth-fleet/hearth/internal/bootcount"
	"os"
	"strings"
)

// runner carries the options of one operation.
type runner struct {
	o    Options
	path string
	// afterEffect, when set (tests only), is called after every write or side
	// effect with its name, so a test can kill the process at each boundary.
	afterEffect func(name string)
	settled     *bootcount.View // the loader entry as the last act left it
}

func newRunner(opts Options) (*runner, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &runner{o: o, path: StatePath(o.StateDir), afterEffect: opts.afterEffect}, nil
}

func (r *runner) effect(name string) {
	if r.afterEffect != nil {
		r.afterEffect(name)
	}
}

// load reads boot.json. A corrupt file is reported (in the returned warning
// and the log), moved aside for inspection, and rebuilt from the golden
// profile; the golden profile, which is what keeps golden alive, always wins
// over the file's idea of golden.
func (r *runner) load() (State, string, error) {
	st, err := readState(r.path, r.o.Nix.StoreDir())
	warning := ""
	switch {
	case errors.Is(err, ErrCorruptState):
		warning = err.Error() + "; rebuilt from " + r.o.GoldenProfile
		r.o.Logger.Error("boot state is corrupt; rebuilding it", "file", r.path, "err", err)
		if mvErr := os.Rename(r.path, r.path+".corrupt"); mvErr != nil {
			r.o.Logger.Warn("could not move corrupt boot state aside", "file", r.path, "err", mvErr)
		}
		st = State{Schema: stateSchema}
	case err != nil:
		return State{}, "", fmt.Errorf("boot state: %w", err)
	}
	if st.MaxAttempts == 0 {
		st.MaxAttempts = r.o.MaxAttempts
	}
	if g, err := r.o.Nix.Current(r.o.GoldenProfile); err == nil && g.StorePath != st.Golden {
		if st.Golden != "" {
			r.o.Logger.Warn("golden profile and boot state disagree; following the profile",
				"profile", r.o.GoldenProfile, "profile_path", g.StorePath, "state_path", st.Golden)
		}
		st.Golden, st.GoldenGeneration = g.StorePath, g.Number
	}
	return st, warning, nil
}

func (r *runner) save(st State) error {
	err := writeState(r.path, st)
	r.effect("state")
	return err
}

func readBootID(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("boot id: %w", err)
	}
	id := strings.TrimSpace(string(b))
	if id == "" {
		return "", fmt.Errorf("boot id: %s is empty", path)
	}
	return id, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
