package dotfiles

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/hearth-fleet/hearth/internal/chezmoicfg"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"text/template"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/Masterminds/sprig/v3"
	"github.com/hearth-fleet/hearth/internal/safefile"
)

// errUnsupported marks template functions hearth deliberately does not
// implement (password managers and the like): an entry using one is
// reported as unsupported and skipped instead of failing the run.
var errUnsupported = errors.New("unsupported by hearth")

// unsupportedFuncError names the unsupported function a template called.
type unsupportedFuncError struct{ name string }

func (e *unsupportedFuncError) Error() string {
	return "template function " + e.name + " is not supported"
}

func (e *unsupportedFuncError) Unwrap() error { return errUnsupported }

// unsupportedFuncs are chezmoi template functions that reach password
// managers, the network or interactive prompts.
var unsupportedFuncs = []string{
	"awsSecretsManager", "awsSecretsManagerRaw", "azureKeyVault",
	"bitwarden", "bitwardenAttachment", "bitwardenAttachmentByRef", "bitwardenFields", "bitwardenSecrets",
	"dashlaneNote", "dashlanePassword", "decrypt", "doppler", "dopplerProjectJson",
	"ejsonDecrypt", "ejsonDecryptWithKey", "encrypt",
	"gitHubKeys", "gitHubLatestRelease", "gitHubLatestReleaseAssetURL", "gitHubLatestTag", "gitHubRelease", "gitHubReleaseAssetURL", "gitHubReleases", "gitHubTags",
	"onepasswordSDKItemsGet", "onepasswordSDKSecretsResolve", "protonPass", "protonPassJSON",
	"gopass", "gopassRaw", "hcpVaultSecret", "hcpVaultSecretJson",
	"keepassxc", "keepassxcAttachment", "keepassxcAttribute", "keeper", "keeperDataFields", "keeperFindPassword", "keyring",
	"lastpass", "lastpassRaw",
	"onepassword", "onepasswordDetailsFields", "onepasswordDocument", "onepasswordItemFields", "onepasswordRead",
	"pass", "passFields", "passRaw", "passhole",
	"promptBool", "promptBoolOnce", "promptChoice", "promptChoiceOnce", "promptInt", "promptIntOnce", "promptString", "promptStringOnce",
	"rbw", "rbwFields", "secret", "secretJSON", "vault",
}

// funcMap builds the function table for r: sprig, then chezmoi's functions.
func (r *renderer) funcMap() template.FuncMap {
	fm := sprig.TxtFuncMap()
	for _, name := range unsupportedFuncs {
		fm[name] = func(...any) (string, error) {
			return "", &unsupportedFuncError{name: name}
		}
	}
	for k, v := range map[string]any{
		"include":         r.include,
		"includeTemplate": r.includeTemplate,
		"joinPath":        filepath.Join,
		"env":             r.getenv,
		"lookPath":        lookPath,
		"output":          r.output,
		"outputList":      r.outputList,
		"fromJson":        fromJSON,
		"toJson":          toJSON,
		"fromYaml":        fromYAML,
		"toYaml":          toYAML,
		"fromToml":        fromTOML,
		"toToml":          toTOML,
		"quoteList":       quoteList,
		"comment":         comment,
		"replaceAllRegex": replaceAllRegex,
		"eqFold":          strings.EqualFold,
		"stat":            r.stat,
	} {
		fm[k] = v
	}
	for k, v := range r.chezmoiFuncs() {
		fm[k] = v
	}
	cappedStrings(fm, r.opts.maxFileSize())
	cappedDecoders(fm, r.opts.maxDataSize())
	cappedSprig(fm, r.opts.maxFileSize())
	cappedSplits(fm, r.opts.maxFileSize())
	measuredFuncs(fm, r.opts.maxFileSize(), r.execCtx)
	return fm
}

// include returns a file's bytes. Relative paths are inside the work
// tree, read without following any symlink; absolute paths are read as
// they are (/run/secrets/x) but never through a final symlink, which marks
// the output as sensitive so diffs never print it. Every read is
// size-capped and refuses what is not a regular file (a FIFO would block).
func (r *renderer) include(name string) (string, error) {
	b, err := r.readInclude(name)
	if err != nil {
		return "", fmt.Errorf("include %s: %w", name, err)
	}
	return string(b), nil
}

func (r *renderer) readInclude(name string) ([]byte, error) {
	p, rel, err := r.resolve(name)
	if err != nil {
		return nil, err
	}
	if rel != "" {
		return r.src.work.ReadFile(rel, r.opts.maxFileSize())
	}
	if u := r.opts.commandUser(); u != nil {
		return readAs(u, p, r.opts.maxFileSize())
	}
	return safefile.Read(p, r.opts.maxFileSize(), nil)
}

// resolve maps a template-supplied path to a file: absolute paths mark the
// render sensitive, relative ones are relative to the source root, must
// stay inside the work tree and come back as rel, relative to it.
func (r *renderer) resolve(name string) (abs, rel string, err error) {
	if filepath.IsAbs(name) {
		r.cur.sensitive = true
		p := filepath.Clean(name)
		if len(r.opts.IncludeRoots) == 0 {
			return p, "", nil
		}
		for _, root := range r.opts.IncludeRoots {
			if isWithin(filepath.Clean(root), p) {
				return p, "", nil
			}
		}
		return "", "", fmt.Errorf("outside the allowed roots %v: %w", r.opts.IncludeRoots, errEscapes)
	}
	p, err := inWorkTree(r.opts.SourceDir, r.root, name)
	if err != nil {
		return "", "", err
	}
	rel, err = filepath.Rel(r.opts.SourceDir, p)
	if err != nil {
		return "", "", err
	}
	rel = filepath.ToSlash(rel)
	if slices.Contains(strings.Split(rel, "/"), ".git") {
		// As for source links: the clone's own files (its config may
		// hold a token) are not the remote's to read.
		return "", "", fmt.Errorf("%q lies in a .git directory: %w", name, errEscapes)
	}
	return p, rel, nil
}

// includeTemplate executes a template from .chezmoitemplates or, failing
// that, a file relative to the source root, with the optional data.
func (r *renderer) includeTemplate(name string, data ...any) (string, error) {
	var d any
	if len(data) > 0 {
		d = data[0]
	}
	if len(data) > 1 {
		return "", fmt.Errorf("includeTemplate %s: want at most one data argument, got %d", name, len(data))
	}
	r.cur.depth++
	defer func() { r.cur.depth-- }()
	if r.cur.depth > maxIncludeDepth {
		return "", fmt.Errorf("includeTemplate %s: nested more than %d deep", name, maxIncludeDepth)
	}
	buf := cappedBuffer{limit: r.opts.maxFileSize()}
	if t := r.cur.tmpl.Lookup(name); t != nil && r.named[name] {
		if err := t.Execute(&buf, d); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	b, err := r.readInclude(name)
	if err != nil {
		return "", fmt.Errorf("includeTemplate %s: %w", name, err)
	}
	t, err := r.parse(name, string(b))
	if err != nil {
		return "", err
	}
	if err := t.Execute(&buf, d); err != nil {
		return "", err
	}
	return buf.String(), nil
}

const maxIncludeDepth = 32

func (r *renderer) getenv(key string) string { return r.opts.getenv(key) }

// lookPath returns the full path of an executable, or "" when absent
// (chezmoi's behaviour: templates test it with if).
func lookPath(file string) string {
	p, err := exec.LookPath(file)
	if err != nil {
		return ""
	}
	return p
}

// output runs a program and returns its stdout. It marks the render
// sensitive: commands are how templates fetch secrets.
func (r *renderer) output(name string, args ...string) (string, error) {
	if err := r.commandAllowed("output"); err != nil {
		return "", err
	}
	r.cur.sensitive = true
	ctx, cancel := context.WithTimeout(r.ctx, r.opts.outputTimeout())
	defer cancel()
	out, err := r.opts.runner().Output(ctx, name, args...)
	if err != nil {
		return "", fmt.Errorf("output %s: %w", name, err)
	}
	return string(out), nil
}

// outputList is output with the arguments as one list (chezmoi's).
func (r *renderer) outputList(name string, args ...any) (string, error) {
	if err := r.commandAllowed("outputList"); err != nil {
		return "", err
	}
	var argv []string
	for _, a := range args {
		switch a := a.(type) {
		case []string:
			argv = append(argv, a...)
		case []any:
			for _, e := range a {
				argv = append(argv, fmt.Sprint(e))
			}
		default:
			argv = append(argv, fmt.Sprint(a))
		}
	}
	return r.output(name, argv...)
}

// errCommandSkipped: a command-running function was called by a render
// that may not run programs and does not need the output (status).
var errCommandSkipped = errors.New("template runs a command; not rendered here")

// commandAllowed says whether the template function fn, which runs a
// program, may run in this render.
func (r *renderer) commandAllowed(fn string) error {
	switch r.opts.TemplateCommands {
	case CommandsRefuse:
		return fmt.Errorf("template function %s called by %s is disabled (dotfiles.template_commands = false)", fn, r.cur.tmpl.Name())
	case CommandsSkip:
		return errCommandSkipped
	}
	return nil
}

// Runner runs a program for the output template function.
type Runner interface {
	Output(ctx context.Context, name string, args ...string) ([]byte, error)
}

// ExecRunner runs programs with os/exec.
type ExecRunner struct {
	// As, when set, is the user the program runs as (hearth as root
	// rendering a user's home runs the user's commands as that user).
	As *Owner
}

// Output runs name with args and returns stdout; stderr goes into the error.
func (e ExecRunner) Output(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	if e.As != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(e.As.UID), Gid: uint32(e.As.GID)}}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

func (r *renderer) stat(name string) (any, error) {
	p, rel, err := r.resolve(name)
	if err != nil {
		return nil, err
	}
	var fi fs.FileInfo
	if rel != "" {
		// Below the source: described, never followed.
		st, err := r.src.work.Stat(rel)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		fi = statInfo{name: path.Base(rel), st: st}
	} else {
		statFn := func() (err error) { fi, err = os.Stat(p); return err }
		if u := r.opts.commandUser(); u != nil {
			err = asUser(u, statFn) // root-only paths stay invisible to the user's templates
		} else {
			err = statFn()
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return fileInfoMap(fi), nil
}

func fromJSON(s string) (any, error) {
	var v any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("fromJson: %w", err)
	}
	return chezmoicfg.NormalizeValue(v), nil
}

func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("toJson: %w", err)
	}
	return string(b), nil
}

func fromYAML(s string) (any, error) {
	var v any
	if err := yamlUnmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("fromYaml: %w", err)
	}
	return v, nil
}

func toYAML(v any) (string, error) {
	b, err := yamlMarshal(v)
	if err != nil {
		return "", fmt.Errorf("toYaml: %w", err)
	}
	return string(b), nil
}

func fromTOML(s string) (any, error) {
	if err := chezmoicfg.CheckTOML([]byte(s)); err != nil {
		return nil, fmt.Errorf("fromToml: %w", err)
	}
	v := map[string]any{}
	if err := toml.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("fromToml: %w", err)
	}
	return v, nil
}

func toTOML(v any) (string, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(v); err != nil {
		return "", fmt.Errorf("toToml: %w", err)
	}
	return buf.String(), nil
}

func quoteList(list ...any) []string {
	out := make([]string, 0, len(list))
	for _, e := range list {
		out = append(out, fmt.Sprintf("%q", fmt.Sprint(e)))
	}
	return out
}

// comment prefixes every line of s with prefix.
func comment(prefix, s string) string {
	if s == "" {
		return s
	}
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l == "" {
			continue
		}
		b.WriteString(prefix)
		b.WriteString(l)
	}
	return b.String()
}

func replaceAllRegex(expr, repl, s string) (string, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return "", fmt.Errorf("replaceAllRegex: %w", err)
	}
	return re.ReplaceAllString(s, repl), nil
}
