package syncer

import (
	"path"
	"unicode/utf8"
)

// nameMax bounds sidecar names: NAME_MAX (255) less room for the
// temporary name a write uses beside it (".NAME.tmp-PID-N").
const nameMax = 255 - 40

// sidecarName names the sidecar of p that keeps the version of who
// (a host, or "synced"), conflict id: ConflictDir/p~who~id. A name that
// would pass NAME_MAX is shortened before the suffix, which carries the
// id: a sidecar git commits but no work tree can hold would stop every
// checkout of the round, and one the engine cannot write would lose what
// it keeps.
func sidecarName(p, who, id string) string {
	dir, base := path.Split(p)
	suffix := "~" + who + "~" + id
	if len(suffix) > nameMax/2 {
		suffix = suffix[len(suffix)-nameMax/2:]
	}
	if keep := nameMax - len(suffix); len(base) > keep {
		base = base[:keep]
		for len(base) > 0 && !utf8.ValidString(base) {
			base = base[:len(base)-1]
		}
	}
	return path.Join(ConflictDir, dir, base+suffix)
}
