package gitrepo

import (
	"net/url"
	"path/filepath"
	"strings"
)

// LocalPath returns the directory of a remote on a local path (an absolute
// path or a file:// URL on this host), cleaned; ok is false for any other
// URL. Pushing there writes into that directory, so a sandboxed unit must be
// allowed to.
func LocalPath(remote string) (dir string, ok bool) {
	switch {
	case strings.HasPrefix(remote, "file://"):
		u, err := url.Parse(remote)
		if err != nil || (u.Host != "" && u.Host != "localhost") || u.RawQuery != "" || u.Fragment != "" || !filepath.IsAbs(u.Path) {
			return "", false
		}
		return filepath.Clean(u.Path), true
	case filepath.IsAbs(remote):
		return filepath.Clean(remote), true
	}
	return "", false
}
