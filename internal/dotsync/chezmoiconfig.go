package dotsync

import (
	"os"
	"path/filepath"

	"github.com/hearth-fleet/hearth/internal/chezmoicfg"
	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/dotfiles"
)

// ChezmoiConfigPath is the chezmoi config hearth reads: dotfiles.chezmoi_config,
// else chezmoi's default file in the config dir of the home's owner ("" when
// there is none there). explicit says the config named it.
func ChezmoiConfigPath(cfg *config.Config, env Env) (path string, explicit bool, err error) {
	if cfg.Dotfiles.ChezmoiConfig != "" {
		return cfg.Dotfiles.ChezmoiConfig, true, nil
	}
	p, err := chezmoicfg.Find(ChezmoiConfigDir(cfg, env), func(p string) bool {
		_, err := os.Lstat(p)
		return err == nil
	})
	return p, false, err
}

// ChezmoiConfigDir is the config home of the home's owner, where chezmoi
// would look: $XDG_CONFIG_HOME when set and hearth runs with $HOME at the
// target dir (the owner running it), else <target_dir>/.config.
func ChezmoiConfigDir(cfg *config.Config, env Env) string {
	return xdgDir(cfg, env, "XDG_CONFIG_HOME", ".config")
}

func xdgDir(cfg *config.Config, env Env, key, def string) string {
	if os.Geteuid() != 0 && env.Getenv != nil && filepath.Clean(env.Getenv("HOME")) == filepath.Clean(cfg.Dotfiles.TargetDir) {
		if x := env.Getenv(key); filepath.IsAbs(x) {
			return x
		}
	}
	return filepath.Join(cfg.Dotfiles.TargetDir, def)
}

// applyChezmoiConfig puts the chezmoi config's data, umask and template
// options, then dotfiles.data over that data, into opts. A config that
// cannot be used holds the round (opts.ConfigProblem), never fails it.
func applyChezmoiConfig(cfg *config.Config, env Env, opts *dotfiles.Options) {
	data := map[string]any{}
	path, explicit, err := ChezmoiConfigPath(cfg, env)
	var cz *chezmoicfg.Config
	if err == nil && path != "" {
		cz, err = chezmoicfg.Load(path, explicit, opts.ReadUserFile)
	}
	if err != nil {
		opts.ConfigProblem = err.Error()
		return
	}
	if cz != nil {
		chezmoicfg.Merge(data, cz.Data)
		if cz.UmaskSet {
			opts.Umask = cz.Umask
		}
		opts.TemplateOptions = cz.TemplateOptions
		opts.ChezmoiConfigFile = cz.File
		if cz.Mode == "symlink" && env.Logger != nil {
			// hearth captures home edits into the source, which links
			// into the source would bypass: targets stay copies.
			env.Logger.Warn("chezmoi config: mode = symlink is not followed; targets are applied as files", "file", cz.File)
		}
	}
	chezmoicfg.Merge(data, cfg.Dotfiles.Data)
	opts.Data = data
}

// chezmoiCacheDir is chezmoi's cache dir of the home's owner
// (.chezmoi.cacheDir), found as ChezmoiConfigDir finds the config home.
func chezmoiCacheDir(cfg *config.Config, env Env) string {
	return filepath.Join(xdgDir(cfg, env, "XDG_CACHE_HOME", ".cache"), "chezmoi")
}
