package cli

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/hearth-fleet/hearth/internal/dotsync"
)

// targetArgs turns the paths a person names (absolute, ~/..., or relative
// to the working directory, as with chezmoi) into slash paths relative to
// dotfiles.target_dir. A path outside it is bad usage, naming the path.
func (a *app) targetArgs(cfg *config.Config, args []string) ([]string, error) {
	home := filepath.Clean(cfg.Dotfiles.TargetDir)
	out := make([]string, 0, len(args))
	for _, arg := range args {
		p := arg
		switch {
		case p == "~":
			p = home
		case strings.HasPrefix(p, "~/"):
			p = filepath.Join(home, p[2:])
		case !filepath.IsAbs(p):
			p = filepath.Join(a.inv.Env.Dir, p)
		}
		rel, err := filepath.Rel(home, filepath.Clean(p))
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			return nil, usageError("%s is not in dotfiles.target_dir %s", arg, home)
		}
		out = append(out, filepath.ToSlash(rel))
	}
	return out, nil
}

// dotfilesOptions are the engine options for a command, which never
// writes anything unless it says so.
func (a *app) dotfilesOptions(cfg *config.Config) dotfiles.Options {
	return dotsync.DotfilesOptions(cfg, dotsync.Env{Getenv: a.inv.Env.Getenv, Logger: a.logger()})
}

// targetPath shows a target in the chosen path style.
func targetPath(cfg *config.Config, style, target, source string) (string, error) {
	switch style {
	case "", "relative":
		return target, nil
	case "absolute":
		return filepath.Join(cfg.Dotfiles.TargetDir, filepath.FromSlash(target)), nil
	case "source-relative":
		return source, nil
	case "source-absolute":
		return filepath.Join(cfg.Dotfiles.SourceDir, filepath.FromSlash(source)), nil
	}
	return "", usageError("--path-style %q: want absolute, relative, source-absolute or source-relative", style)
}

// ownerTargets starts a command on targets in home: the config, the run as
// the home's owner (done: a child ran the command, err is its result),
// then the targets named by args.
func (a *app) ownerTargets(ctx context.Context, args []string) (cfg *config.Config, targets []string, done bool, err error) {
	if cfg, err = a.config(); err != nil {
		return nil, nil, true, err
	}
	if done, err := a.asHomeOwner(ctx, cfg); done {
		return nil, nil, true, err
	}
	targets, err = a.targetArgs(cfg, args)
	return cfg, targets, err != nil, err
}
