package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/units"
	"github.com/spf13/cobra"
)

type unitsFlags struct {
	user, all       bool
	install         string
	aliases         string
	binary          string
	syncUser        string
	onCalendar      string
	randomizedDelay time.Duration
	watch, timer    bool
}

func newUnitsCmd(a *app) *cobra.Command {
	var fl unitsFlags
	cmd := &cobra.Command{
		Use:   "units",
		Short: "Print (or install) systemd units that run hearth's jobs on a host without the NixOS module",
		Long: `Print systemd unit files equivalent to the NixOS module's: secrets install
early at boot, the daily timer (default 04:00, randomized, persistent) that
runs dotfile sync as --sync-user and then the system upgrade as root, and the
boot check after multi-user.target (syslog identifier golden-generation).
Units are written for the jobs the config enables; --all writes every one.
With --user, prints units for "systemctl --user" that run dotfile sync only.
--dotfiles-watch adds hearth-watch.service, which syncs dotfiles live
(seconds after an edit) and replaces the daily dotfile sync timer
(--dotfiles-timer keeps it); the upgrade timer still syncs first.
--install DIR writes the files instead of printing them (then run
"systemctl daemon-reload" and enable the timer); --aliases DIR writes the
original setup's command names (chezmoi-sync, show-golden, ...) as wrappers.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			spec, err := a.unitsSpec(cfg, fl)
			if err != nil {
				return err
			}
			list, err := units.Generate(spec)
			if err != nil {
				return usageError("units: %v", err)
			}
			if fl.aliases != "" {
				if err := units.InstallAliases(fl.aliases, spec.Binary, spec.ConfigFile); err != nil {
					return err
				}
				a.logger().Info("aliases installed", "dir", fl.aliases)
			}
			if fl.install != "" {
				return a.installUnits(fl, list)
			}
			if a.json {
				return a.printJSON(list)
			}
			for i, u := range list {
				if i > 0 {
					fmt.Fprintln(a.stdout())
				}
				fmt.Fprintf(a.stdout(), "# ---- %s\n%s", u.Name, u.Content)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&fl.user, "user", false, "units for the per-user manager (systemctl --user): dotfile sync only")
	f.BoolVar(&fl.all, "all", false, "units for every job, not only those the config enables")
	f.StringVar(&fl.install, "install", "", "write the unit files into `DIR` instead of printing them")
	f.StringVar(&fl.aliases, "aliases", "", "also write the alias wrappers (chezmoi-sync, show-golden, ...) into `DIR`")
	f.StringVar(&fl.binary, "binary", "", "hearth executable the units run (default: this executable)")
	f.StringVar(&fl.syncUser, "sync-user", "", "`USER` that dotfile sync runs as (system units)")
	f.StringVar(&fl.onCalendar, "on-calendar", units.DefaultOnCalendar, "when the daily timer fires (systemd OnCalendar)")
	f.BoolVar(&fl.watch, "dotfiles-watch", false, "also write hearth-watch.service (live dotfile sync) instead of the daily sync timer")
	f.BoolVar(&fl.timer, "dotfiles-timer", false, "with --dotfiles-watch, keep the daily dotfile sync timer too")
	f.DurationVar(&fl.randomizedDelay, "randomized-delay", units.DefaultRandomizedDelay, "timer RandomizedDelaySec")
	return cmd
}

// unitsSpec maps the config and flags onto a units.Spec; deadlines follow
// the config's timeouts with room for the steps around them.
func (a *app) unitsSpec(cfg *config.Config, fl unitsFlags) (units.Spec, error) {
	bin := fl.binary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return units.Spec{}, fmt.Errorf("units: cannot find this executable (use --binary): %w", err)
		}
		if bin, err = filepath.EvalSymlinks(exe); err != nil {
			return units.Spec{}, fmt.Errorf("units: %s: %w", exe, err)
		}
	}
	spec := units.Spec{
		Binary:           bin,
		ConfigFile:       cfg.File,
		User:             fl.user,
		SyncUser:         fl.syncUser,
		Sync:             fl.all || cfg.Dotfiles.Remote != "",
		Watch:            fl.watch,
		WatchKeepTimer:   fl.timer,
		OnCalendar:       fl.onCalendar,
		RandomizedDelay:  fl.randomizedDelay,
		UpgradeTimeout:   cfg.System.BuildTimeout.Duration + cfg.System.ConfirmTimeout.Duration + 2*cfg.System.ActivationTimeout.Duration + 15*time.Minute,
		BootCheckTimeout: cfg.Boot.Timeout.Duration + cfg.Boot.Sustain.Duration + 2*time.Minute,
		SecretsRoot:      cfg.Secrets.Root,
		MetricsFile:      cfg.MetricsFile,
	}
	if !fl.user {
		spec.Upgrade = fl.all || cfg.System.Remote != ""
		spec.BootCheck = fl.all || cfg.System.Remote != "" || len(cfg.Boot.Checks) > 0
		spec.Secrets = fl.all || len(cfg.Secrets.Secrets) > 0
		// The effective state dir of a non-root run is the user's; the
		// system units run as root and use root's.
		if a.inv.Env.UID == 0 {
			spec.StateDir = cfg.StateDir
		}
		if spec.Sync && spec.SyncUser != "" {
			var err error
			if spec.SyncHome, spec.SyncWritable, err = syncUserPaths(cfg, spec.SyncUser); err != nil {
				return units.Spec{}, usageError("units: %v", err)
			}
		}
	}
	return spec, nil
}

func (a *app) installUnits(fl unitsFlags, list []units.Unit) error {
	if err := units.Install(fl.install, list); err != nil {
		return err
	}
	if a.json {
		return a.printJSON(list)
	}
	ctl := "systemctl"
	if fl.user {
		ctl = "systemctl --user"
	}
	var timers []string
	for _, u := range list {
		fmt.Fprintf(a.stdout(), "wrote %s\n", filepath.Join(fl.install, u.Name))
		if filepath.Ext(u.Name) == ".timer" || u.Name == units.SecretsService || u.Name == units.BootCheckService || u.Name == units.WatchService {
			timers = append(timers, u.Name)
		}
	}
	fmt.Fprintf(a.stdout(), "next: %s daemon-reload && %s enable", ctl, ctl)
	for _, t := range timers {
		fmt.Fprintf(a.stdout(), " %s", t)
	}
	fmt.Fprintln(a.stdout())
	return nil
}
