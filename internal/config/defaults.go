package config

import (
	"path/filepath"
	"strings"
	"time"
)

// Defaults that are not paths.
const (
	DefaultBranch         = "main"
	DefaultConflictPolicy = "newest"
	DefaultPushRetries    = 12 // 20 hosts starting together all push within one round (bench/README.md)
	DefaultMaxFileSize    = 64 << 20
	DefaultDebounce       = 2 * time.Second
	DefaultPollInterval   = 30 * time.Second
	DefaultMaxDataSize    = 1 << 20
	DefaultOperation      = "switch"
	DefaultProfile        = "/nix/var/nix/profiles/system"
	DefaultGoldenProfile  = "/nix/var/nix/profiles/system-profiles/hearth-golden"
	DefaultMaxAttempts    = 2
	DefaultSecretsRoot    = "/run/secrets"
	DefaultSecretsKeep    = 3
	DefaultBuildTimeout   = time.Hour
	DefaultConfirmTimeout = 2 * time.Minute
	// DefaultActivationTimeout is nixsys.DefaultActivationTimeout.
	DefaultActivationTimeout = 10 * time.Minute
	DefaultBootTimeout       = 5 * time.Minute
	DefaultSustain           = 30 * time.Second
	DefaultCheckTimeout      = 10 * time.Second
	DefaultCheckInterval     = 5 * time.Second
	DefaultPublishInterval   = 5 * time.Minute
	DefaultStaleAfter        = time.Hour
)

func applyDefaults(c *Config, env Env) {
	home := env.home()
	if c.Host == "" && env.Hostname != nil {
		if h, err := env.Hostname(); err == nil {
			c.Host = h
		}
	}
	if c.StateDir == "" {
		c.StateDir = defaultStateDir(env, home)
	}
	d := &c.Dotfiles
	setStr(&d.Branch, DefaultBranch)
	setStr(&d.SourceDir, filepath.Join(home, ".local/share/chezmoi"))
	setStr(&d.TargetDir, home)
	setStr(&d.ConflictPolicy, DefaultConflictPolicy)
	if d.PushRetries == 0 {
		d.PushRetries = DefaultPushRetries
	}
	if d.TemplateCommands == nil {
		on := true
		d.TemplateCommands = &on
	}
	if d.MaxFileSize == 0 {
		d.MaxFileSize = DefaultMaxFileSize
	}
	if d.MaxDataSize == 0 {
		d.MaxDataSize = DefaultMaxDataSize
	}
	if d.Scripts == nil {
		on := true
		d.Scripts = &on
	}
	setDur(&d.Debounce, DefaultDebounce)
	setDur(&d.PollInterval, DefaultPollInterval)
	s := &c.System
	setStr(&s.Branch, DefaultBranch)
	setStr(&s.Profile, DefaultProfile)
	setStr(&s.Operation, DefaultOperation)
	setStr(&s.BootedSystem, "/run/booted-system")
	setStr(&s.CurrentSystem, "/run/current-system")
	setDur(&s.BuildTimeout, DefaultBuildTimeout)
	setDur(&s.ConfirmTimeout, DefaultConfirmTimeout)
	setDur(&s.ActivationTimeout, DefaultActivationTimeout)
	b := &c.Boot
	if b.MaxAttempts == 0 {
		b.MaxAttempts = DefaultMaxAttempts
	}
	setDur(&b.Timeout, DefaultBootTimeout)
	setDur(&b.Sustain, DefaultSustain)
	setDur(&b.Interval, DefaultCheckInterval)
	setStr(&b.BootIDFile, "/proc/sys/kernel/random/boot_id")
	setStr(&b.Loader, "auto")
	if len(b.RebootCommand) == 0 {
		b.RebootCommand = []string{"systemctl", "reboot"}
	}
	setStr(&b.GoldenProfile, DefaultGoldenProfile)
	for i := range b.Checks {
		setDur(&b.Checks[i].Timeout, DefaultCheckTimeout)
	}
	setDur(&c.Hooks.Timeout, DefaultHookTimeout)
	setRolloutDefaults(&s.Rollout)
	sec := &c.Secrets
	setStr(&sec.Root, DefaultSecretsRoot)
	if sec.Keep == 0 {
		sec.Keep = DefaultSecretsKeep
	}
	for i := range sec.Secrets {
		if sec.Secrets[i].Mode.FileMode == 0 {
			sec.Secrets[i].Mode.FileMode = 0o400
		}
		setStr(&sec.Secrets[i].Owner, "root")
	}

	f := &c.Fleet
	if f.Publish == nil {
		on := true
		f.Publish = &on
	}
	setDur(&f.PublishInterval, DefaultPublishInterval)
	setDur(&f.StaleAfter, DefaultStaleAfter)

	// "~" is expanded in every path key; the validator then insists on absolute paths.
	for _, p := range c.pathKeys() {
		*p.ptr = expandHome(*p.ptr, home)
	}
	for i := range d.AgeIdentities {
		d.AgeIdentities[i] = expandHome(d.AgeIdentities[i], home)
	}
}

func defaultStateDir(env Env, home string) string {
	if env.UID == 0 {
		return "/var/lib/hearth"
	}
	if x := env.Getenv("XDG_STATE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "hearth")
	}
	return filepath.Join(home, ".local/state/hearth")
}

func expandHome(p, home string) string {
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}

func setStr(p *string, def string) {
	if *p == "" {
		*p = def
	}
}

func setDur(p *Duration, def time.Duration) {
	if p.Duration == 0 {
		p.Duration = def
	}
}

type pathKey struct {
	key      string
	ptr      *string
	optional bool // may stay empty
}

// pathKeys lists every key that holds a filesystem path, for "~" expansion and
// the absolute-path rule.
func (c *Config) pathKeys() []pathKey {
	keys := []pathKey{
		{"state_dir", &c.StateDir, false},
		{"metrics_file", &c.MetricsFile, true},
		{"dotfiles.source_dir", &c.Dotfiles.SourceDir, false},
		{"dotfiles.target_dir", &c.Dotfiles.TargetDir, false},
		{"dotfiles.chezmoi_config", &c.Dotfiles.ChezmoiConfig, true},
		{"system.profile", &c.System.Profile, false},
		{"system.checkout", &c.System.Checkout, true},
		{"system.allowed_signers", &c.System.AllowedSigners, true},
		{"system.booted_system", &c.System.BootedSystem, false},
		{"system.current_system", &c.System.CurrentSystem, false},
		{"boot.golden_profile", &c.Boot.GoldenProfile, false},
		{"boot.motd_file", &c.Boot.MotdFile, true},
		{"boot.boot_id_file", &c.Boot.BootIDFile, false},
		{"boot.esp", &c.Boot.ESP, true},
		{"secrets.root", &c.Secrets.Root, false},
		{"secrets.age_key_file", &c.Secrets.AgeKeyFile, true},
		{"secrets.ssh_host_key_file", &c.Secrets.SSHHostKeyFile, true},
		{"fleet.signing_key", &c.Fleet.SigningKey, true},
		{"fleet.allowed_signers", &c.Fleet.AllowedSigners, true},
	}
	for i := range c.Secrets.Secrets {
		keys = append(keys, pathKey{keyf("secrets.secret[%d].sops_file", i), &c.Secrets.Secrets[i].SopsFile, false})
	}
	return keys
}
