package cli

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// syncUserPaths resolves, when the units are written, the home of the user
// the system sync unit runs as and the paths that user's sync writes outside
// it: the config read as that user (its HOME and uid give the defaults) names
// the source, target and state dirs, and a dotfiles remote on a local path is
// written to by every push.
func syncUserPaths(cfg *config.Config, name string) (home string, outside []string, err error) {
	u, err := user.Lookup(name)
	if err != nil {
		return "", nil, fmt.Errorf("sync user %q: %w", name, err)
	}
	home = filepath.Clean(u.HomeDir)
	if !filepath.IsAbs(home) || home == "/" {
		return "", nil, fmt.Errorf("sync user %q has no usable home (%q in the user database); dotfile sync keeps its source, state and files there: pick a user with a home, or give %s one", name, u.HomeDir, name)
	}
	if fi, err := os.Stat(home); err != nil || !fi.IsDir() {
		return "", nil, fmt.Errorf("sync user %q: home %s is not a directory (%v); dotfile sync keeps its source, state and files there: create it, or pick another --sync-user", name, home, err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return "", nil, fmt.Errorf("sync user %q: uid %q: %w", name, u.Uid, err)
	}
	env := config.Env{UID: uid, Hostname: os.Hostname, Getenv: func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}}
	asUser, err := config.Load(cfg.File, cfg.File != "", env)
	if err != nil {
		return "", nil, fmt.Errorf("sync user %q: %w", name, err)
	}
	d := asUser.Dotfiles
	paths := []string{d.SourceDir, d.TargetDir, asUser.StateDir}
	if p, ok := gitrepo.LocalPath(d.Remote); ok {
		paths = append(paths, p)
	}
	for _, p := range paths {
		if p != "" && !within(p, home) {
			outside = append(outside, filepath.Clean(p))
		}
	}
	return home, outside, nil
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	p = filepath.Clean(p)
	return p == dir || strings.HasPrefix(p, dir+"/")
}
