// Package units writes the systemd unit files that run hearth's jobs on a
// host without the NixOS module: the same services, timers, ordering and
// hardening the module declares, as plain files for /etc/systemd/system or
// ~/.config/systemd/user.
package units

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Defaults of Spec, shared with the NixOS module's option defaults.
const (
	DefaultOnCalendar       = "04:00"
	DefaultRandomizedDelay  = 30 * time.Minute
	DefaultSyncTimeout      = 15 * time.Minute
	DefaultUpgradeTimeout   = 2 * time.Hour
	DefaultBootCheckTimeout = 10 * time.Minute
	DefaultSecretsTimeout   = 2 * time.Minute
	DefaultSecretsRoot      = "/run/secrets"
	DefaultStateDir         = "/var/lib/hearth"
)

// Spec says which units to write and how they call hearth.
type Spec struct {
	// Binary is the absolute path of the hearth executable in ExecStart.
	Binary string
	// ConfigFile, when set, is passed to every command as --config.
	ConfigFile string
	// User writes units for the per-user manager (systemctl --user): only
	// dotfile sync runs there, as the user who owns the manager.
	User bool
	// SyncUser is the account dotfile sync runs as in a system unit.
	// Required when Sync is set and User is not.
	SyncUser string
	// SyncHome is SyncUser's home, resolved when the units are written: in
	// a system unit %h is the service manager's (root's) home, not the
	// user's. Required with SyncUser.
	SyncHome string
	// SyncWritable are further paths the sync unit writes outside SyncHome:
	// a dotfiles remote on a local path, source, target or state dirs
	// elsewhere. They may be missing when the unit starts.
	SyncWritable []string

	Sync, Upgrade, BootCheck, Secrets bool // the jobs to write units for
	// Watch runs dotfile sync live: a long-running hearth watch service
	// (with Sync). The daily sync timer is then left out unless
	// WatchKeepTimer; an upgrade's timer stays, and still syncs first.
	Watch, WatchKeepTimer bool

	OnCalendar      string        // the daily run; default DefaultOnCalendar
	RandomizedDelay time.Duration // spread of the timer; default DefaultRandomizedDelay
	// Deadlines (TimeoutStartSec) of the oneshot services.
	SyncTimeout, UpgradeTimeout, BootCheckTimeout, SecretsTimeout time.Duration

	StateDir    string // root's state dir; default DefaultStateDir
	SecretsRoot string // the secrets symlink; its parent dir must be writable
	MetricsFile string // optional Prometheus textfile; its dir must be writable
}

// ExitInterrupted is hearth's exit status when SIGTERM stopped it: systemd
// stopping a unit is not a failure of the job.
const ExitInterrupted = 130

// Unit is one generated file.
type Unit struct {
	Name    string `json:"name"` // e.g. hearth-upgrade.service
	Content string `json:"content"`
}

func (s *Spec) applyDefaults() {
	if s.OnCalendar == "" {
		s.OnCalendar = DefaultOnCalendar
	}
	if s.RandomizedDelay == 0 {
		s.RandomizedDelay = DefaultRandomizedDelay
	}
	setDur(&s.SyncTimeout, DefaultSyncTimeout)
	setDur(&s.UpgradeTimeout, DefaultUpgradeTimeout)
	setDur(&s.BootCheckTimeout, DefaultBootCheckTimeout)
	setDur(&s.SecretsTimeout, DefaultSecretsTimeout)
	if s.StateDir == "" {
		s.StateDir = DefaultStateDir
	}
	if s.SecretsRoot == "" {
		s.SecretsRoot = DefaultSecretsRoot
	}
}

func setDur(p *time.Duration, def time.Duration) {
	if *p == 0 {
		*p = def
	}
}

// validate rejects what would make a unit file that systemd misreads: the
// values end up unquoted in key=value lines.
func (s *Spec) validate() error {
	var errs []error
	if !filepath.IsAbs(s.Binary) {
		errs = append(errs, fmt.Errorf("binary %q: not an absolute path", s.Binary))
	}
	paths := map[string]string{"binary": s.Binary, "config": s.ConfigFile, "state dir": s.StateDir,
		"secrets root": s.SecretsRoot, "metrics file": s.MetricsFile, "sync user's home": s.SyncHome}
	for i, p := range s.SyncWritable {
		paths[fmt.Sprintf("sync writable path %d", i+1)] = p
	}
	for name, p := range paths {
		if p != "" && !unitPath(p) {
			errs = append(errs, fmt.Errorf("%s %q: must be an absolute path without spaces, quotes, %%, $, ; or backslashes", name, p))
		}
	}
	if s.Sync && !s.User && s.SyncUser == "" {
		errs = append(errs, errors.New("dotfile sync as a system unit needs the user it runs as (--sync-user), or use --user"))
	}
	if s.Sync && !s.User && s.SyncUser != "" && (s.SyncHome == "" || filepath.Clean(s.SyncHome) == "/") {
		errs = append(errs, fmt.Errorf("sync user %q: no usable home (%q); dotfile sync writes in its home", s.SyncUser, s.SyncHome))
	}
	if s.SyncUser != "" && !validUserName(s.SyncUser) {
		errs = append(errs, fmt.Errorf("sync user %q: not a valid user name", s.SyncUser))
	}
	if s.Watch && !s.Sync {
		errs = append(errs, errors.New("the dotfile watcher needs dotfile sync configured (dotfiles.remote)"))
	}
	if s.WatchKeepTimer && !s.Watch {
		errs = append(errs, errors.New("keeping the daily sync timer beside the watcher needs the watcher"))
	}
	if s.User && (s.Upgrade || s.BootCheck || s.Secrets) {
		errs = append(errs, errors.New("user units run dotfile sync only; upgrade, boot check and secrets need root (system units)"))
	}
	if strings.ContainsAny(s.OnCalendar, "\"'\\%") || hasControl(s.OnCalendar) || strings.TrimSpace(s.OnCalendar) == "" {
		errs = append(errs, fmt.Errorf("on-calendar %q: not a calendar expression", s.OnCalendar))
	}
	for name, d := range map[string]time.Duration{"randomized delay": s.RandomizedDelay, "sync timeout": s.SyncTimeout,
		"upgrade timeout": s.UpgradeTimeout, "boot check timeout": s.BootCheckTimeout, "secrets timeout": s.SecretsTimeout} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s %s: must not be negative", name, d))
		}
	}
	if !s.Sync && !s.Upgrade && !s.BootCheck && !s.Secrets {
		errs = append(errs, errors.New("no job to write units for: configure dotfiles, system, boot or secrets"))
	}
	return errors.Join(errs...)
}

// unitPath reports whether p can stand unquoted in a unit file.
func unitPath(p string) bool {
	return filepath.IsAbs(p) && !strings.ContainsAny(p, " \"'\\%$;") && !hasControl(p)
}

// hasControl reports a control character: systemd ends a unit file line
// at a lone carriage return as at a newline, so either would start a line
// of the value's choosing.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func validUserName(n string) bool {
	if n == "" || len(n) > 32 || n[0] == '-' {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}
