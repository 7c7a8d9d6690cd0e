package syncer

import (
	"errors"
	"path"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// A write beneath the work tree (writeBeneath) goes through a temporary
// ".<name>.tmp-<pid>-<n>" beside its target. A run killed between create
// and rename leaves it: in ConflictDir (the manifest, sidecars) or beside a
// live file a resolve was writing. The clone's exclude file keeps it out of
// commits; sweepWriteTemps removes it. Callers hold the job's lock, so no
// other hearth is writing; a name whose process still lives is left alone
// all the same.

// maxSweepDepth bounds the walk of ConflictDir, which the remote shapes.
const maxSweepDepth = 64

// sweepWriteTemps removes leftover temporary files of killed writes and
// returns their paths (relative to the work tree).
func sweepWriteTemps(o *Options) []string {
	var removed []string
	sweepDir(o.Dir, ConflictDir, 0, true, &removed)
	if m, err := ReadManifest(o.Dir); err == nil {
		seen := map[string]bool{}
		for _, c := range m.Conflicts {
			if safeRel(c.Path) != nil {
				continue
			}
			if d := path.Dir(c.Path); !seen[d] {
				seen[d] = true
				sweepDir(o.Dir, d, 0, false, &removed)
			}
		}
	}
	if len(removed) > 0 {
		o.Logger.Warn("removed temporary files that killed runs left in the work tree", "files", removed)
	}
	return removed
}

// sweepDir removes the leftovers directly in rel (and below it, with
// deep), never following a link.
func sweepDir(root, rel string, depth int, deep bool, removed *[]string) {
	if depth > maxSweepDepth {
		return
	}
	// openParent of a name inside rel opens rel itself, beneath root.
	dir, _, err := openParent(root, path.Join(rel, "_"), false)
	if err != nil {
		return
	}
	defer dir.Close()
	entries, err := dir.ReadDir(-1)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.Type().IsDir() && deep:
			sweepDir(root, path.Join(rel, name), depth+1, deep, removed)
		case e.Type().IsRegular() && leftoverTemp(name):
			if err := unix.Unlinkat(int(dir.Fd()), name, 0); err == nil {
				*removed = append(*removed, path.Join(rel, name))
			}
		}
	}
}

// leftoverTemp reports whether name is writeBeneath's temporary file of a
// process that no longer runs.
func leftoverTemp(name string) bool {
	rest, ok := strings.CutPrefix(name, ".")
	if !ok {
		return false
	}
	i := strings.LastIndex(rest, ".tmp-")
	if i <= 0 {
		return false
	}
	pidText, n, ok := strings.Cut(rest[i+len(".tmp-"):], "-")
	pid, err := strconv.Atoi(pidText)
	if !ok || err != nil || pid <= 0 || !digits(n) {
		return false
	}
	return !processAlive(pid)
}

func digits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
