// Package golden validates each boot: a generation whose required health
// checks pass becomes the golden (known-good) generation, pinned by its own
// profile; one that keeps failing is rolled back to golden by itself. State
// lives in <state_dir>/boot.json; generations are identified by store path.
package golden

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/hearth-fleet/hearth/internal/health"
	"github.com/hearth-fleet/hearth/internal/nixsys"
)

// Defaults of Options.
const (
	DefaultSystemProfile = "/nix/var/nix/profiles/system"
	DefaultGoldenProfile = "/nix/var/nix/profiles/system-profiles/hearth-golden"
	DefaultBootIDFile    = "/proc/sys/kernel/random/boot_id"
	DefaultCurrentSystem = "/run/current-system"
	DefaultMaxAttempts   = 2
	DefaultTimeout       = 5 * time.Minute
	DefaultSustain       = 30 * time.Second
	DefaultInterval      = 5 * time.Second
)

// Nix is what golden needs from nix; *nixsys.Nix implements it.
type Nix interface {
	StoreDir() string
	StorePath(link string) (string, error)
	Current(profile string) (nixsys.Generation, error)
	SetProfile(ctx context.Context, profile, storePath string) error
	DeleteOldGenerations(ctx context.Context, profile string) error
	SwitchToConfiguration(ctx context.Context, storePath string, action nixsys.Action, log io.Writer) error
}

// Checker runs health checks; *health.Runner implements it.
type Checker interface {
	RunOnce(ctx context.Context, checks []health.Check) health.Verdict
	WaitHealthy(ctx context.Context, checks []health.Check, deadline, sustain, interval time.Duration) health.Verdict
}

// Rebooter reboots the machine. CommandRebooter runs the configured command;
// tests record the request instead.
type Rebooter interface {
	Reboot(ctx context.Context, reason string) error
}

// Options configure every golden operation. Zero values take the defaults.
type Options struct {
	StateDir      string // required: boot.json lives here
	SystemProfile string // the profile boot entries come from
	GoldenProfile string // the profile that pins golden (GC root and boot entry)
	BootedSystem  string // link to the booted system (nixsys.DefaultBootedSystem)
	CurrentSystem string // link to the running system, what Pin pins
	BootIDFile    string // changes every boot; makes a re-run in the same boot resume, not recount
	MOTDPath      string // message-of-the-day file; empty: none written

	MaxAttempts int           // failed boots of one generation before rolling back
	Timeout     time.Duration // how long checks may take to pass after boot
	Sustain     time.Duration // how long they must keep passing; negative: no window
	Interval    time.Duration // pause between check rounds

	Checks   []health.Check
	Health   Checker  // nil: &health.Runner{Logger: Logger}
	Nix      Nix      // required
	Rebooter Rebooter // required for BootCheck and Rollback with Reboot
	// Loader is the boot loader's counter (internal/bootcount); nil: none.
	Loader    BootLoader
	GCRootDir string // candidate GC roots; empty: DefaultGCRootDir

	ActivationLog io.Writer        // output of switch-to-configuration; nil: discarded
	Logger        *slog.Logger     // nil: discard
	Now           func() time.Time // nil: time.Now

	afterEffect func(name string) // tests: called after each write or side effect
}

func (o Options) withDefaults() (Options, error) {
	if o.StateDir == "" {
		return o, errors.New("golden: no state dir configured")
	}
	if o.Nix == nil {
		return o, errors.New("golden: no nix configured")
	}
	set := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	set(&o.SystemProfile, DefaultSystemProfile)
	set(&o.GoldenProfile, DefaultGoldenProfile)
	set(&o.BootedSystem, nixsys.DefaultBootedSystem)
	set(&o.CurrentSystem, DefaultCurrentSystem)
	set(&o.BootIDFile, DefaultBootIDFile)
	set(&o.GCRootDir, DefaultGCRootDir)
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	switch {
	case o.Sustain == 0:
		o.Sustain = DefaultSustain
	case o.Sustain < 0:
		o.Sustain = 0
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Health == nil {
		o.Health = &health.Runner{Logger: o.Logger}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}

// StatePath is the boot state file in dir.
func StatePath(dir string) string { return filepath.Join(dir, "boot.json") }
