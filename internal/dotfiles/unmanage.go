package dotfiles

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Unmanage is chezmoi's forget: it removes the source entries of these
// targets (slash paths relative to TargetDir; a directory with everything
// below it) and hearth's records of them. Home is left as it is. A target
// the source does not manage is reported and the rest are forgotten. It
// returns the removed source entries (relative to SourceDir) for the
// caller to report; the next round commits their removal. Callers hold
// the sync lock. With dryRun nothing is removed, only reported.
func Unmanage(ctx context.Context, opts Options, targets []string, dryRun bool) ([]string, error) {
	st, err := Load(ctx, opts)
	if err != nil {
		return nil, err
	}
	if st.whole != nil {
		return nil, fmt.Errorf("%s: %s", st.whole.Source, st.whole.Reason)
	}
	// Removal goes through os.Root: no symlink in the source leads it out.
	root, err := os.OpenRoot(st.opts.SourceDir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	var removed, done []string
	var errs []error
	for _, t := range targets {
		t = strings.Trim(path.Clean("/"+filepath.ToSlash(t)), "/")
		e := st.byTarget[t]
		if e == nil {
			errs = append(errs, fmt.Errorf("%s: not managed", t))
			continue
		}
		if dryRun {
			removed = append(removed, e.Source)
			continue
		}
		if err := root.RemoveAll(e.Source); err != nil {
			errs = append(errs, fmt.Errorf("%s: remove source %s: %w", t, e.Source, err))
			continue
		}
		removed, done = append(removed, e.Source), append(done, t)
	}
	if len(done) > 0 {
		if err := Forget(opts, done...); err != nil {
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}
