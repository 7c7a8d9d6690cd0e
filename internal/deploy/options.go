// Package deploy is the system upgrade pipeline (DESIGN section 4): fetch the
// nix-config remote into a bare mirror, verify the new tip (no history
// rewrite, SSH signatures), build exactly that commit, check and activate the
// result like nixos-rebuild, confirm health after a live switch and roll back
// when it fails, then report reboot-needed, fast-forward an optional working
// checkout and, on can_commit hosts, publish an updated flake.lock.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/health"
	"github.com/hearth-fleet/hearth/internal/nixsys"
)

// Defaults for zero Options fields.
const (
	DefaultBranch         = "main"
	DefaultProfile        = "/nix/var/nix/profiles/system"
	DefaultConfirmTimeout = 2 * time.Minute
	DefaultHealthInterval = time.Second
	DefaultPushRetries    = 3
)

// HealthRunner confirms a live switch; *health.Runner implements it.
type HealthRunner interface {
	WaitHealthy(ctx context.Context, checks []health.Check, deadline, sustain, interval time.Duration) health.Verdict
}

// Options configure one upgrade round. Nothing here is read from a config
// file: the CLI fills it in.
type Options struct {
	StateDir string // required: the mirror (system.git) and upgrade-state.json live here
	Host     string // names the host in lock commits; required with CanCommit+UpdateInputs

	Remote  string // required: URL or absolute path of the nix-config repository
	Branch  string // "" means main
	Attr    string // required: the flake attribute of the system toplevel
	Profile string // "" means /nix/var/nix/profiles/system
	// Operation is switch (activate now, then confirm health) or boot (make
	// it the boot default only); "" means switch.
	Operation nixsys.Action
	// Checkout is an optional work tree of the same repository that is
	// fast-forwarded to each deployed commit (never reset, never merged).
	Checkout string

	CanCommit      bool   // the host may push to the remote
	UpdateInputs   bool   // with CanCommit: nix flake update, validate, publish flake.lock
	AllowedSigners string // set: deploy only commits signed by one of these SSH keys
	// SigningKey, when set, is the SSH private key the flake.lock commits
	// this host publishes are signed with, so hosts enforcing
	// AllowedSigners accept a lock this host validated.
	SigningKey string

	BuildTimeout   time.Duration // 0: nixsys.DefaultBuildTimeout
	ConfirmTimeout time.Duration // 0: DefaultConfirmTimeout
	HealthInterval time.Duration // pause between health rounds; 0: DefaultHealthInterval
	Sustain        time.Duration // how long required checks must keep passing; 0: one passing round

	BootedSystem  string // "" means /run/booted-system; a missing one disables the reboot check
	CurrentSystem string // "" means /run/current-system: the running system

	Checks      []health.Check // required ones gate the confirm step and the unit pre-check
	PushRetries int            // lost push races before giving up publishing; 0: DefaultPushRetries

	AcceptRewrite bool // deploy a tip that does not descend from the deployed commit
	// RetryFailed builds a tip this host remembers as failed once more
	// (hearth upgrade --retry-quarantined).
	RetryFailed bool
	Gate        Gate // nil: no staged rollout, no quarantine
	DryRun      bool // stop after the build and report what would be activated

	Nix    *nixsys.Nix     // required
	Health HealthRunner    // nil: &health.Runner{Logger: Logger}
	Git    gitrepo.Options // how git runs (its Logger defaults to Logger)
	// Progress receives one line per phase, for a person watching (stderr);
	// nil discards. The full build and activation log goes to Logger.
	Progress io.Writer
	Logger   *slog.Logger // nil: discard
}

func (o *Options) withDefaults() (Options, error) {
	c := *o
	if c.StateDir == "" || !filepath.IsAbs(c.StateDir) {
		return c, fmt.Errorf("upgrade: state dir %q must be an absolute path", c.StateDir)
	}
	if c.Remote == "" {
		return c, errors.New("upgrade: no system remote configured (system.remote)")
	}
	if c.Attr == "" {
		return c, errors.New("upgrade: no flake attribute configured (system.attr)")
	}
	if c.Nix == nil {
		return c, errors.New("upgrade: no nix runner")
	}
	if c.Branch == "" {
		c.Branch = DefaultBranch
	}
	if c.Profile == "" {
		c.Profile = DefaultProfile
	}
	if !filepath.IsAbs(c.Profile) {
		return c, fmt.Errorf("upgrade: profile %q must be an absolute path", c.Profile)
	}
	switch c.Operation {
	case "":
		c.Operation = nixsys.ActionSwitch
	case nixsys.ActionSwitch, nixsys.ActionBoot:
	default:
		return c, fmt.Errorf("upgrade: operation %q: want switch or boot", c.Operation)
	}
	if c.CanCommit && c.UpdateInputs && c.Host == "" {
		return c, errors.New("upgrade: a host name is needed to commit flake.lock updates")
	}
	if c.ConfirmTimeout <= 0 {
		c.ConfirmTimeout = DefaultConfirmTimeout
	}
	if c.HealthInterval <= 0 {
		c.HealthInterval = DefaultHealthInterval
	}
	if c.PushRetries <= 0 {
		c.PushRetries = DefaultPushRetries
	}
	if c.BootedSystem == "" {
		c.BootedSystem = nixsys.DefaultBootedSystem
	}
	if c.CurrentSystem == "" {
		c.CurrentSystem = "/run/current-system"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Git.Logger == nil {
		c.Git.Logger = c.Logger
	}
	if c.Health == nil {
		c.Health = &health.Runner{Logger: c.Logger}
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c, nil
}

// requiredChecks are the checks that gate confirmation.
func (o *Options) requiredChecks() []health.Check {
	var out []health.Check
	for _, c := range o.Checks {
		if c.Required {
			out = append(out, c)
		}
	}
	return out
}
