package cli

import (
	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/golden"
	"github.com/hearth-fleet/hearth/internal/health"
	"github.com/hearth-fleet/hearth/internal/nixsys"
)

// healthChecks converts the config's checks for internal/health.
func healthChecks(cfg *config.Config) []health.Check {
	var out []health.Check
	for _, c := range cfg.Boot.Checks {
		out = append(out, health.Check{
			Name: c.Name, Unit: c.Unit, Command: c.Command, TCP: c.TCP, HTTP: c.HTTP,
			Required: c.IsRequired(), Timeout: c.Timeout.Duration,
		})
	}
	return out
}

// goldenOptions maps the config onto internal/golden.
func (a *app) goldenOptions(cfg *config.Config) golden.Options {
	return golden.Options{
		StateDir:      cfg.StateDir,
		SystemProfile: cfg.System.Profile,
		GoldenProfile: cfg.Boot.GoldenProfile,
		BootedSystem:  cfg.System.BootedSystem,
		CurrentSystem: cfg.System.CurrentSystem,
		BootIDFile:    cfg.Boot.BootIDFile,
		MOTDPath:      cfg.Boot.MotdFile,
		MaxAttempts:   cfg.Boot.MaxAttempts,
		Timeout:       cfg.Boot.Timeout.Duration,
		Sustain:       cfg.Boot.Sustain.Duration,
		Interval:      cfg.Boot.Interval.Duration,
		Checks:        healthChecks(cfg),
		Health:        &health.Runner{Logger: a.logger()},
		Nix:           nixsys.New(nixsys.Options{Logger: a.logger(), ActivationTimeout: cfg.System.ActivationTimeout.Duration}),
		Rebooter:      golden.CommandRebooter{Command: cfg.Boot.RebootCommand},
		Loader:        a.bootLoader(cfg),
		GCRootDir:     gcRootDir(),
		ActivationLog: a.inv.Stderr,
		Logger:        a.logger(),
	}
}
