package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hearth-fleet/hearth/internal/bootcount"
	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/golden"
	"github.com/hearth-fleet/hearth/internal/nixsys"
)

// bootLoader is the boot loader hearth counts tries in (boot.loader), or nil
// when there is none. A loader that cannot be found is logged, not fatal:
// the loader's counter is a second line of defence.
func (a *app) bootLoader(cfg *config.Config) golden.BootLoader {
	l, err := bootcount.Detect(cfg.Boot.Loader, cfg.Boot.ESP, "")
	if err != nil {
		a.logger().Warn("boot loader not found; boot counting is off", "loader", cfg.Boot.Loader, "err", err)
		return nil
	}
	if l.Kind == bootcount.KindNone {
		return nil
	}
	l.MaxTries = cfg.Boot.MaxAttempts
	l.ESP.StoreDir = storeDir()
	l.Logger = a.logger()
	return l
}

// gcRootDir is where hearth keeps the candidate's GC root: under the nix
// state dir a test or a non-default nix uses, else the system's.
func gcRootDir() string {
	if d := os.Getenv("NIX_STATE_DIR"); d != "" {
		return filepath.Join(d, "gcroots", "hearth")
	}
	return golden.DefaultGCRootDir
}

func storeDir() string {
	if d := os.Getenv("NIX_STORE_DIR"); d != "" {
		return d
	}
	return nixsys.DefaultStoreDir
}

// countDeployed gives the generation an upgrade just deployed a tries
// counter in the boot loader, so a boot of it that dies before hearth's
// check is retried by the loader and then abandoned for golden.
func (a *app) countDeployed(ctx context.Context, cfg *config.Config, res *deploy.Result) {
	if res == nil || res.Outcome != deploy.OutcomeDeployed || res.StorePath == "" {
		return
	}
	opts := a.goldenOptions(cfg)
	if opts.Loader == nil {
		return
	}
	v, err := golden.CountCandidate(ctx, opts, res.StorePath)
	if err != nil {
		a.logger().Warn("boot entry of the new generation not counted", "store_path", res.StorePath, "err", err)
		return
	}
	a.logger().Info("boot entry counted", "entry", v.Entry, "tries_left", v.TriesLeft, "fallback", v.Fallback)
}

// loaderLine is the loader's view for `hearth boot status`.
func loaderLine(v bootcount.View) string {
	s := "loader:    " + v.Loader
	switch {
	case v.Loader == bootcount.KindGrub && v.State != "":
		s += fmt.Sprintf(", grubenv %s, %d tries left", v.State, v.TriesLeft)
	case v.Entry == "":
		s += ", no entry boots " + orNone(v.System)
	default:
		s += ", entry " + v.Entry + " " + v.State
		if v.State == "counting" {
			s += fmt.Sprintf(" (%d tries left, %d done)", v.TriesLeft, v.TriesDone)
		}
		if v.Fallback != "" {
			s += ", falls back to " + v.Fallback
		}
	}
	if v.Booted != "" {
		s += "; this boot: " + v.Booted
	}
	return s
}
