// Package config reads hearth's TOML configuration (DESIGN section 7): the
// schema, defaults, and validation whose errors name the file, line and key.
package config

import (
	"os"
	"time"
)

// Config is the effective configuration after defaults and validation.
// Every section is optional; a job whose section has no remote is disabled.
type Config struct {
	// File is the path the config was read from ("" when built from defaults).
	File        string   `json:"file" toml:"-"`
	Host        string   `json:"host" toml:"host"`
	StateDir    string   `json:"state_dir" toml:"state_dir"`
	MetricsFile string   `json:"metrics_file,omitempty" toml:"metrics_file"`
	Dotfiles    Dotfiles `json:"dotfiles" toml:"dotfiles"`
	System      System   `json:"system" toml:"system"`
	Boot        Boot     `json:"boot" toml:"boot"`
	Secrets     Secrets  `json:"secrets" toml:"secrets"`
	Hooks       Hooks    `json:"hooks" toml:"hooks"`
	Fleet       Fleet    `json:"fleet" toml:"fleet"`
}

// Dotfiles configures the chezmoi-compatible dotfile sync.
type Dotfiles struct {
	Remote         string   `json:"remote" toml:"remote"`
	Branch         string   `json:"branch" toml:"branch"`
	SourceDir      string   `json:"source_dir" toml:"source_dir"`
	TargetDir      string   `json:"target_dir" toml:"target_dir"`
	ConflictPolicy string   `json:"conflict_policy" toml:"conflict_policy"`
	AgeIdentities  []string `json:"age_identities" toml:"age_identities"`
	PushRetries    int      `json:"push_retries" toml:"push_retries"`
	// TemplateCommands, when false, makes output and outputList fail (the
	// entry is held) instead of running programs named by the remote.
	TemplateCommands *bool `json:"template_commands" toml:"template_commands"`
	// MaxFileSize caps each source, home and include file read; a target
	// over it is held.
	MaxFileSize int64 `json:"max_file_size" toml:"max_file_size"`
	// MaxDataSize caps each data document (.chezmoidata, externals,
	// fromYaml/fromJson/fromToml input), which decoders expand far more
	// than a file costs to read.
	MaxDataSize int64 `json:"max_data_size" toml:"max_data_size"`
	// Data is template data merged over the chezmoi config's data.
	Data map[string]any `json:"data,omitempty" toml:"data"`
	// ChezmoiConfig is the chezmoi config file whose data, umask, mode and
	// template options apply; "" means chezmoi's default locations in the
	// target dir's owner's config dir.
	ChezmoiConfig string `json:"chezmoi_config,omitempty" toml:"chezmoi_config"`
	// Scripts, when false, runs no program from the source: run_ scripts
	// are skipped and modify_ scripts held.
	Scripts *bool `json:"scripts" toml:"scripts"`
	// Debounce is the longest writes to watched files that keep coming
	// put off a `hearth watch` round; with none for 300 ms it runs sooner.
	Debounce Duration `json:"debounce" toml:"debounce"`
	// PollInterval is how often `hearth watch` asks the remote whether its
	// branch moved.
	PollInterval Duration `json:"poll_interval" toml:"poll_interval"`
}

// ScriptsAllowed reports whether scripts from the source run (the default).
func (d Dotfiles) ScriptsAllowed() bool { return d.Scripts == nil || *d.Scripts }

// CommandsAllowed reports whether templates may run programs (the default).
func (d Dotfiles) CommandsAllowed() bool { return d.TemplateCommands == nil || *d.TemplateCommands }

// System configures the nix-config upgrade pipeline.
type System struct {
	Remote         string   `json:"remote" toml:"remote"`
	Branch         string   `json:"branch" toml:"branch"`
	Attr           string   `json:"attr" toml:"attr"`
	Profile        string   `json:"profile" toml:"profile"`
	Operation      string   `json:"operation" toml:"operation"`
	Checkout       string   `json:"checkout,omitempty" toml:"checkout"`
	CanCommit      bool     `json:"can_commit" toml:"can_commit"`
	UpdateInputs   bool     `json:"update_inputs" toml:"update_inputs"`
	AllowedSigners string   `json:"allowed_signers" toml:"allowed_signers"`
	BuildTimeout   Duration `json:"build_timeout" toml:"build_timeout"`
	ConfirmTimeout Duration `json:"confirm_timeout" toml:"confirm_timeout"`
	// ActivationTimeout bounds one switch-to-configuration.
	ActivationTimeout Duration `json:"activation_timeout" toml:"activation_timeout"`
	BootedSystem      string   `json:"booted_system" toml:"booted_system"`
	CurrentSystem     string   `json:"current_system" toml:"current_system"`
	Rollout           Rollout  `json:"rollout" toml:"rollout"`
}

// Boot configures boot validation and the golden generation.
type Boot struct {
	MaxAttempts   int      `json:"max_attempts" toml:"max_attempts"`
	Timeout       Duration `json:"timeout" toml:"timeout"`
	Sustain       Duration `json:"sustain" toml:"sustain"`
	RebootCommand []string `json:"reboot_command" toml:"reboot_command"`
	Interval      Duration `json:"interval" toml:"interval"`
	GoldenProfile string   `json:"golden_profile" toml:"golden_profile"`
	MotdFile      string   `json:"motd_file" toml:"motd_file"`
	BootIDFile    string   `json:"boot_id_file" toml:"boot_id_file"`
	// Loader is the boot loader whose tries counter hearth sets and settles:
	// auto, systemd-boot, grub or none.
	Loader string  `json:"loader" toml:"loader"`
	ESP    string  `json:"esp,omitempty" toml:"esp"`
	Checks []Check `json:"checks" toml:"check"`
}

// Check is one health check; exactly one of Unit, Command, TCP and HTTP is set.
type Check struct {
	Name     string   `json:"name" toml:"name"`
	Unit     string   `json:"unit,omitempty" toml:"unit"`
	Command  []string `json:"command,omitempty" toml:"command"`
	TCP      string   `json:"tcp,omitempty" toml:"tcp"`
	HTTP     string   `json:"http,omitempty" toml:"http"`
	Required *bool    `json:"required" toml:"required"`
	Timeout  Duration `json:"timeout" toml:"timeout"`
}

// IsRequired reports whether a failing check fails the verdict (the default).
func (c Check) IsRequired() bool { return c.Required == nil || *c.Required }

// Secrets configures SOPS/age secrets installed under Root.
type Secrets struct {
	Root           string   `json:"root" toml:"root"`
	AgeKeyFile     string   `json:"age_key_file" toml:"age_key_file"`
	SSHHostKeyFile string   `json:"ssh_host_key_file,omitempty" toml:"ssh_host_key_file"`
	Keep           int      `json:"keep" toml:"keep"`
	Secrets        []Secret `json:"secrets" toml:"secret"`
}

// Secret is one value taken from a sops file.
type Secret struct {
	Name         string   `json:"name" toml:"name"`
	SopsFile     string   `json:"sops_file" toml:"sops_file"`
	Key          string   `json:"key" toml:"key"`
	Format       string   `json:"format,omitempty" toml:"format"`
	Owner        string   `json:"owner" toml:"owner"`
	Group        string   `json:"group" toml:"group"`
	Mode         Mode     `json:"mode" toml:"mode"`
	RestartUnits []string `json:"restart_units,omitempty" toml:"restart_units"`
}

// Fleet configures host records: the state each host publishes under
// refs/hearth/hosts/<host> and `hearth fleet` shows.
type Fleet struct {
	// Publish, when false, publishes no record (the default is true).
	Publish *bool `json:"publish" toml:"publish"`
	// PublishInterval is the least time between two records of sync
	// rounds whose result did not change.
	PublishInterval Duration `json:"publish_interval" toml:"publish_interval"`
	// StaleAfter is how long a host may stay silent before it shows stale.
	StaleAfter     Duration `json:"stale_after" toml:"stale_after"`
	SigningKey     string   `json:"signing_key" toml:"signing_key"`
	AllowedSigners string   `json:"allowed_signers" toml:"allowed_signers"`
}

// PublishOn reports whether records are published (the default).
func (f Fleet) PublishOn() bool { return f.Publish == nil || *f.Publish }

// Duration is a time.Duration written as a Go duration string ("2m", "1h30m").
type Duration struct{ time.Duration }

// Mode is a file mode written as an octal string ("0400").
type Mode struct{ os.FileMode }
