package dotfiles

import (
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hearth-fleet/hearth/internal/chezmoicfg"
	"github.com/hearth-fleet/hearth/internal/trash"
)

// Options say where the source and target are and describe the host. The
// CLI fills them from the config; tests fill them directly.
type Options struct {
	// SourceDir is the chezmoi source directory (the git work tree). A
	// .chezmoiroot file in it moves the source root to a subdirectory.
	SourceDir string
	// TargetDir is the directory the source describes (home).
	TargetDir string
	// StatePath is the JSON file holding, per target, the hash and mode
	// hearth last wrote. Required by Apply, Capture, Diff and Held.
	StatePath string
	// Vars are the .chezmoi.* variables; empty fields are filled from
	// DefaultVars().
	Vars Vars
	// Data is extra template data (the config's [data]); it is merged over
	// the .chezmoidata files.
	Data map[string]any
	// AgeIdentityFiles are age identity files for encrypted_ entries.
	AgeIdentityFiles []string
	// Umask masks the permissions of written files and dirs, like
	// chezmoi's umask setting; 0 means the process umask, as chezmoi's
	// default (a config umask of 0, which would make targets world
	// writable, is taken as unset).
	Umask fs.FileMode
	// Only, when set, limits Apply, Capture, Diff and Held to these targets
	// (slash paths relative to TargetDir; a directory includes its subtree),
	// like "chezmoi apply TARGET...". Records of other targets are kept.
	Only []string
	// KeepBothOnOverlap makes Capture take home's version of a plain file
	// whose home and source edits overlap, instead of holding it; the source
	// content it replaces goes to KeepDisplaced, or, without that, is
	// reported in CaptureReport.Displaced. Without it such a target is held
	// until a person settles it.
	KeepBothOnOverlap bool
	// KeepDisplaced keeps a source version that Capture is about to replace
	// with home's (KeepBothOnOverlap), e.g. as a conflict sidecar. It is
	// called before the source is written and must have kept the content
	// durably when it returns: a run killed after the write would otherwise
	// leave that version nowhere but in history. When it fails the target
	// is not captured and the source stays as it is.
	KeepDisplaced func(source string, content []byte) error
	// Force makes Apply overwrite home edits and restore deleted targets
	// (the explicit recovery); Capture ignores it.
	Force bool
	// IncludeRoots, when set, limits the absolute paths templates may read
	// (include, includeTemplate, stat) to these directories, e.g.
	// /run/secrets; relative paths always stay inside the source.
	IncludeRoots []string
	// Owner, when set, owns everything Apply creates in home and every
	// source file Capture writes: hearth running as root for a user.
	Owner *Owner
	// Chown backs Owner; nil means os.Lchown.
	Chown func(path string, uid, gid int) error
	// Getenv backs the env template function; nil means os.Getenv.
	Getenv func(string) string
	// Runner backs the output template function; nil means ExecRunner.
	Runner Runner
	// OutputTimeout bounds each output call; 0 means 30s.
	OutputTimeout time.Duration
	// TemplateCommands says whether template functions that run programs
	// (output, outputList) run; see CommandPolicy.
	TemplateCommands CommandPolicy
	// MaxFileSize caps every source, home and include file read into
	// memory; a target over it is held. 0 means DefaultMaxFileSize.
	MaxFileSize int64
	// MaxDataSize caps each data document decoded (.chezmoidata,
	// externals, fromYaml and the like); 0 means
	// chezmoicfg.DefaultMaxDataSize.
	MaxDataSize int64
	// RenderTimeout bounds one template's execution; 0 means
	// DefaultRenderTimeout.
	RenderTimeout time.Duration
	// Protected are absolute paths that no target may be at or below (the
	// state dir, hearth's config file and dir). SourceDir is always
	// protected, and so is any target with a component named .git: a
	// target there would let the remote write into hearth's own files, or
	// copy home files into the source to be pushed (exfiltration).
	Protected []string
	// Logger receives progress; nil discards.
	Logger *slog.Logger
	// TrashDir receives what Apply removes or overwrites without having
	// written it (see package trash); "" means trash.Dir of the state
	// file's directory.
	TrashDir string

	// TemplateOptions are text/template options for every template (the
	// chezmoi config's template.options); nil means missingkey=error.
	TemplateOptions []string
	// ConfigProblem, when set, holds every target with this reason: the
	// config saying what the source applies as (data, umask, template
	// options) is unusable, so nothing can be rendered as its owner means.
	ConfigProblem string
	// ChezmoiConfigFile is the chezmoi config read (.chezmoi.configFile).
	ChezmoiConfigFile string
	// HearthVars are the .hearth.* template variables (host).
	HearthVars map[string]any
	// Scripts says whether run_ scripts and modify_ scripts run; see
	// ScriptPolicy.
	Scripts ScriptPolicy
	// ScriptTimeout bounds each run_ script; 0 means DefaultScriptTimeout.
	// modify_ scripts are bounded by OutputTimeout, as template commands.
	ScriptTimeout time.Duration
	// Externals fetches .chezmoiexternal entries; nil means an HTTP client
	// with DefaultExternalTimeout (see externals.go).
	Externals *ExternalFetcher
	// GitExternal clones and pulls git-repo externals; nil holds them.
	GitExternal GitExternal

	// durable makes Apply's writes durable; nil means syncfs(2). Tests
	// count its calls.
	durable durability
}

func (o *Options) trash() trash.Trash {
	if o.TrashDir != "" {
		return trash.Trash{Dir: o.TrashDir}
	}
	return trash.Trash{Dir: trash.Dir(filepath.Dir(o.StatePath))}
}

func (o *Options) umask() fs.FileMode {
	if o.Umask == 0 {
		return processUmask()
	}
	return o.Umask & 0o777
}

func (o *Options) getenv(k string) string {
	if o.Getenv != nil {
		return o.Getenv(k)
	}
	return os.Getenv(k)
}

func (o *Options) runner() Runner {
	if o.Runner != nil {
		return o.Runner
	}
	return ExecRunner{As: o.commandUser()}
}

// commandUser is who template commands run as when hearth runs as root:
// Owner, else the owner of the target dir when that is not root. The
// remote is trusted as far as the home's owner, never as root.
func (o *Options) commandUser() *Owner {
	if os.Geteuid() != 0 {
		return nil
	}
	if o.Owner != nil {
		return o.Owner
	}
	var st syscall.Stat_t
	if err := syscall.Stat(o.TargetDir, &st); err != nil || st.Uid == 0 {
		return nil
	}
	return &Owner{UID: int(st.Uid), GID: int(st.Gid)}
}

func (o *Options) outputTimeout() time.Duration {
	if o.OutputTimeout <= 0 {
		return 30 * time.Second
	}
	return o.OutputTimeout
}

// CommandPolicy says what a template function that runs a program does.
type CommandPolicy int

// Command policies.
const (
	// CommandsRun runs it (chezmoi's behaviour).
	CommandsRun CommandPolicy = iota
	// CommandsRefuse fails the render, naming the function and the file;
	// the entry is held (dotfiles.template_commands = false).
	CommandsRefuse
	// CommandsSkip leaves the target out of the plan, quietly: for reports
	// (status) that must not run programs to describe home.
	CommandsSkip
)

// DefaultMaxFileSize is the default of Options.MaxFileSize: far above any
// dotfile, low enough that a round's memory stays bounded.
const DefaultMaxFileSize = 64 << 20

// DefaultRenderTimeout is the default of Options.RenderTimeout: far above
// any real template (milliseconds), short enough that a looping one does
// not hold the round for long.
const DefaultRenderTimeout = 10 * time.Second

func (o *Options) renderTimeout() time.Duration {
	if o.RenderTimeout <= 0 {
		return DefaultRenderTimeout
	}
	return o.RenderTimeout
}

func (o *Options) maxFileSize() int64 {
	if o.MaxFileSize <= 0 {
		return DefaultMaxFileSize
	}
	return o.MaxFileSize
}

func (o *Options) maxDataSize() int64 {
	if o.MaxDataSize <= 0 {
		return chezmoicfg.DefaultMaxDataSize
	}
	return o.MaxDataSize
}

func (o *Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Owner is a numeric user and group.
type Owner struct{ UID, GID int }

// chown gives path to the configured owner, if any.
func (o *Options) chown(path string) error {
	if o.Owner == nil {
		return nil
	}
	chown := o.Chown
	if chown == nil {
		chown = os.Lchown
	}
	if err := chown(path, o.Owner.UID, o.Owner.GID); err != nil {
		return fmt.Errorf("chown %s to %d:%d: %w", path, o.Owner.UID, o.Owner.GID, err)
	}
	return nil
}

// selected reports whether target is within Options.Only.
func (o *Options) selected(target string) bool {
	if len(o.Only) == 0 {
		return true
	}
	for _, p := range o.Only {
		p = strings.Trim(path.Clean("/"+p), "/")
		if p == "" || target == p || strings.HasPrefix(target, p+"/") {
			return true
		}
	}
	return false
}
