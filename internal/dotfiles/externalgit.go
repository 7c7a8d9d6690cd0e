package dotfiles

import (
	"context"
	"os"
	"path/filepath"
)

// syncGitRepos clones the git-repo externals that home lacks and pulls
// those whose refresh period has passed (refreshPeriod 0: never pulled,
// as in chezmoi). A failure is a warning: the clone stays as it is.
func (p *plan) syncGitRepos(ctx context.Context) []string {
	o := &p.st.opts
	var warnings []string
	warn := func(g gitRepo, msg string) {
		w := g.target + " (git-repo external, " + g.source + "): " + msg
		warnings = append(warnings, w)
		o.logger().Warn("dotfiles: "+w, "url", redactURL(g.url))
	}
	cache := externalCache{dir: filepath.Join(filepath.Dir(o.StatePath), "externals")}
	for _, g := range p.st.gitRepos {
		if ctx.Err() != nil {
			break
		}
		if r := p.guard.refuse(g.target); r != "" {
			warn(g, r)
			continue
		}
		if o.GitExternal == nil {
			warn(g, "not cloned: no git here")
			continue
		}
		abs := p.abs(g.target)
		if err := checkNoEscape(o.TargetDir, abs); err != nil {
			warn(g, err.Error())
			continue
		}
		key := "git:" + abs + "\n" + g.url
		fi, err := os.Lstat(abs)
		switch {
		case os.IsNotExist(err):
			if err := o.GitExternal(ctx, abs, g.url, false); err != nil {
				warn(g, "clone failed: "+err.Error())
				continue
			}
		case err != nil:
			warn(g, err.Error())
			continue
		case !fi.IsDir():
			warn(g, "home holds something else there; left alone")
			continue
		default:
			_, at, ok := cache.load(key, 1<<20)
			if g.refresh <= 0 || (ok && o.Externals.now().Sub(at) < g.refresh) {
				continue
			}
			if err := o.GitExternal(ctx, abs, g.url, true); err != nil {
				warn(g, "pull failed, the clone is kept as it is: "+err.Error())
				continue
			}
		}
		if err := cache.store(key, []byte(g.url), o.Externals.now()); err != nil {
			warn(g, "refresh time not saved: "+err.Error())
		}
	}
	return warnings
}
