package cli

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"

	"github.com/hearth-fleet/hearth/internal/config"
)

// app holds what every command shares: the invocation, global flags, the logger.
type app struct {
	inv        Invocation
	configFlag string
	json       bool
	verbose    int
	log        *slog.Logger
	cfg        *config.Config
	ownerFD    string // set in the child running a dotfiles job as the home's owner
}

func (a *app) setupLogging() {
	level := slog.LevelWarn
	switch {
	case a.verbose >= 2:
		level = slog.LevelDebug
	case a.verbose == 1:
		level = slog.LevelInfo
	}
	a.log = slog.New(slog.NewTextHandler(a.inv.Stderr, &slog.HandlerOptions{Level: level}))
}

func (a *app) logger() *slog.Logger {
	if a.log == nil {
		a.setupLogging()
	}
	return a.log
}

// config loads (once) and validates the configuration.
func (a *app) config() (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	if a.ownerFD != "" {
		cfg, err := a.ownerConfig()
		a.cfg = cfg
		return cfg, err
	}
	path, explicit := config.Locate(a.configFlag, a.inv.Env)
	cfg, err := config.Load(path, explicit, a.inv.Env)
	if err != nil {
		return nil, err
	}
	a.cfg = cfg
	return cfg, nil
}

func (a *app) stdout() io.Writer { return a.inv.Stdout }

// printJSON writes v as indented JSON on stdout.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.inv.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// commandLine describes this run for lock holders ("hearth sync").
func (a *app) commandLine() string {
	return "hearth " + strings.Join(a.inv.Args, " ")
}
