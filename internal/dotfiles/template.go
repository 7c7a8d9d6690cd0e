package dotfiles

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

// renderer executes source templates. Rendering is sequential; cur holds
// the state of the render in progress for the template functions.
type renderer struct {
	ctx   context.Context
	opts  *Options
	src   *SourceState       // reads relative includes below the work tree
	root  string             // absolute source root (after .chezmoiroot)
	base  *template.Template // funcs plus every .chezmoitemplates entry
	named map[string]bool    // names of .chezmoitemplates entries
	data  map[string]any     // .chezmoidata merged with Options.Data
	vars  map[string]any     // the .chezmoi map shared by all renders
	cur   *renderState
	stuck bool // a template was abandoned still running (execute)
	// extra are .chezmoi variables for the next render only (a modify_
	// template's stdin).
	extra map[string]any
	// exec is the context of the execution in progress, cancelled when
	// execute abandons it, so what checks it (jq) stops then.
	exec context.Context
}

// execCtx is the context functions running now stop on.
func (r *renderer) execCtx() context.Context {
	if r.exec != nil {
		return r.exec
	}
	return r.ctx
}

type renderState struct {
	tmpl      *template.Template
	sensitive bool
	depth     int
}

// newRenderer parses the .chezmoitemplates files (name -> text) once.
func newRenderer(ctx context.Context, opts *Options, src *SourceState, data, vars map[string]any, shared map[string]string) (*renderer, error) {
	r := &renderer{ctx: ctx, opts: opts, src: src, root: src.root, data: data, vars: vars, named: map[string]bool{}}
	r.cur = &renderState{}
	r.base = template.New("").Funcs(r.funcMap()).Option(opts.templateOptions()...)
	names := make([]string, 0, len(shared))
	for n := range shared {
		names = append(names, n)
	}
	for _, n := range sortedStrings(names) {
		text, delims, opt := templateDirectives(shared[n])
		t := r.base.New(n).Delims(delims[0], delims[1])
		t.Option(r.opts.templateOptions()...)
		if opt != "" {
			t.Option(opt)
		}
		if _, err := t.Parse(text); err != nil {
			return nil, fmt.Errorf(".chezmoitemplates/%s: %w", n, err)
		}
		r.named[n] = true
	}
	for _, t := range r.base.Templates() {
		printBound(t)
	}
	return r, nil
}

// parse parses text as template name. Source templates join the shared
// set instead of a clone of it: cloning copies the whole function table,
// which dominated a no-op apply. A file's own {{define}}s therefore
// replace same-named ones from files rendered before it; each file is
// executed right after it is parsed, so it always sees its own.
func (r *renderer) parse(name, text string) (*template.Template, error) {
	if r.named[name] {
		return nil, fmt.Errorf("%s: name clashes with a .chezmoitemplates entry", name)
	}
	text, delims, opt := templateDirectives(text)
	t := r.base.New(name).Delims(delims[0], delims[1])
	t.Option(r.opts.templateOptions()...)
	if opt != "" {
		t.Option(opt)
	}
	if _, err := t.Parse(text); err != nil {
		return nil, err
	}
	printBound(t)
	if strings.Contains(text, "define") || strings.Contains(text, "block") {
		// It may have (re)defined other templates of the set.
		for _, d := range t.Templates() {
			printBound(d)
		}
	}
	return t, nil
}

// render executes the source file src (slash path relative to the source
// root) for target (slash path relative to the target dir). It reports
// whether the output may hold a secret (include of an absolute path, output).
func (r *renderer) render(src, target string, text []byte) ([]byte, bool, error) {
	if err := r.ctx.Err(); err != nil {
		return nil, false, err
	}
	if r.stuck {
		return nil, false, errRendererStuck
	}
	t, err := r.parse(src, string(text))
	if err != nil {
		return nil, false, err
	}
	r.cur = &renderState{tmpl: t}
	chez := maps.Clone(r.vars)
	// chezmoi's sourceFile is relative to the source root (after .chezmoiroot).
	rel, err := filepath.Rel(r.root, filepath.Join(r.opts.SourceDir, filepath.FromSlash(src)))
	if err != nil {
		rel = src
	}
	chez["sourceFile"] = filepath.ToSlash(rel)
	chez["targetFile"] = filepath.Join(r.opts.TargetDir, filepath.FromSlash(target))
	maps.Copy(chez, r.extra)
	data := maps.Clone(r.data)
	if data == nil {
		data = map[string]any{}
	}
	data["chezmoi"] = chez
	if r.opts.HearthVars != nil {
		data["hearth"] = maps.Clone(r.opts.HearthVars)
	}
	buf := cappedBuffer{limit: r.opts.maxFileSize()}
	err = r.execute(t, &buf, data)
	if !r.stuck {
		// The file's template stays in the shared set under its name; its
		// parse tree need not: kept, every file's would stay until the
		// run ends. (An abandoned execution may still be reading it.)
		t.Tree = nil
	}
	if err != nil {
		if errors.Is(err, errAbortEmpty) {
			return nil, r.cur.sensitive, nil // abortEmpty: the whole render is empty
		}
		return nil, false, err
	}
	// Exactly sized: the plan keeps every rendered target until it ends.
	return bytes.Clone(buf.Bytes()), r.cur.sensitive, nil
}

// templateOptions are the text/template options every template starts
// with; a chezmoi:template: directive in the file comes after them.
func (o *Options) templateOptions() []string {
	if o.TemplateOptions == nil {
		return []string{"missingkey=error"}
	}
	return o.TemplateOptions
}

// cappedBuffer fails a render whose output grows over the file size
// limit, which stops the template there instead of filling memory.
type cappedBuffer struct {
	bytes.Buffer
	limit int64
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if int64(b.Len()+len(p)) > b.limit {
		return 0, fmt.Errorf("output over the limit of %d bytes (dotfiles.max_file_size)", b.limit)
	}
	return b.Buffer.Write(p)
}

// WriteString is Write for text/template's string output.
func (b *cappedBuffer) WriteString(s string) (int, error) { return b.Write([]byte(s)) }

// templateDirectives strips chezmoi's "chezmoi:template:" directive lines
// and returns the delimiters and missingkey option they set.
func templateDirectives(text string) (string, [2]string, string) {
	delims := [2]string{"{{", "}}"}
	opt := ""
	if !strings.Contains(text, "chezmoi:template:") {
		return text, delims, opt
	}
	var out []string
	for _, line := range strings.SplitAfter(text, "\n") {
		_, rest, ok := strings.Cut(line, "chezmoi:template:")
		if !ok {
			out = append(out, line)
			continue
		}
		for _, kv := range directivePairs(rest) {
			switch k, v := kv[0], kv[1]; k {
			case "left-delimiter":
				delims[0] = v
			case "right-delimiter":
				delims[1] = v
			case "missing-key":
				opt = "missingkey=" + v
			}
		}
	}
	return strings.Join(out, ""), delims, opt
}

// chezmoiVars builds the .chezmoi map from opts: chezmoi's variables,
// with what describes chezmoi itself (version, config) describing the
// chezmoi hearth emulates and the chezmoi config it read.
func chezmoiVars(opts *Options, sourceRoot string) map[string]any {
	v := opts.Vars
	home := v.HomeDir
	if home == "" {
		home = opts.TargetDir
	}
	osRelease := v.OSRelease
	if osRelease == nil {
		osRelease = map[string]any{}
	}
	cacheDir := v.CacheDir
	if cacheDir == "" {
		cacheDir = filepath.Join(home, ".cache", "chezmoi")
	}
	configFile := opts.ChezmoiConfigFile
	if configFile == "" {
		configFile = filepath.Join(home, ".config", "chezmoi", "chezmoi.toml")
	}
	command := v.Command
	if command == "" {
		command = "apply"
	}
	args := v.Args
	if args == nil {
		args = []string{}
	}
	return map[string]any{
		"arch":              v.Arch,
		"args":              args,
		"cacheDir":          cacheDir,
		"command":           command,
		"commandDir":        v.CommandDir,
		"config":            chezmoiConfigVar(opts, sourceRoot),
		"configFile":        configFile,
		"destDir":           opts.TargetDir,
		"executable":        executablePath(),
		"fqdnHostname":      v.FQDNHostname,
		"gid":               v.GID,
		"group":             v.Group,
		"homeDir":           home,
		"hostname":          v.Hostname,
		"kernel":            v.Kernel,
		"os":                v.OS,
		"osRelease":         osRelease,
		"pathListSeparator": string(os.PathListSeparator),
		"pathSeparator":     string(os.PathSeparator),
		"sourceDir":         sourceRoot,
		"uid":               v.UID,
		"username":          v.Username,
		"version":           map[string]any{"version": EmulatedChezmoiVersion, "commit": "", "date": "", "builtBy": "hearth"},
		"windowsVersion":    map[string]any{},
		"workingTree":       opts.SourceDir,
	}
}

// EmulatedChezmoiVersion is the chezmoi release whose behaviour hearth
// follows (.chezmoi.version.version): the one its tests compare with.
const EmulatedChezmoiVersion = "2.62.4"

// chezmoiConfigVar is .chezmoi.config: the settings hearth honours, as
// chezmoi names them.
func chezmoiConfigVar(opts *Options, sourceRoot string) map[string]any {
	options := opts.templateOptions()
	return map[string]any{
		"data":        opts.Data,
		"destDir":     opts.TargetDir,
		"mode":        "file",
		"sourceDir":   sourceRoot,
		"workingTree": opts.SourceDir,
		"umask":       int(opts.umask()),
		"template":    map[string]any{"options": options},
	}
}

func executablePath() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	return p
}
