package dotfiles

import (
	"path"
	"strings"
)

// Forget drops what hearth recorded writing at these targets (slash paths
// relative to TargetDir, with everything below them), so that what home
// holds there counts as not written by hearth: held, never captured or
// overwritten without --force. A restore from the trash calls it, so the
// restored file stays on this host instead of being taken for a home edit
// and spread to every host. Callers hold the sync lock.
func Forget(opts Options, targets ...string) error {
	recs, err := loadRecords(opts.StatePath)
	if err != nil {
		return err
	}
	for name := range recs.targets {
		for _, t := range targets {
			t = strings.Trim(path.Clean("/"+t), "/")
			if t != "" && (name == t || strings.HasPrefix(name, t+"/")) {
				delete(recs.targets, name)
			}
		}
	}
	return recs.save()
}
