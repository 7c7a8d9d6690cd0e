package dotfiles

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// Entry is one managed target as declared by the source state.
type Entry struct {
	Target string // slash path relative to the target dir
	Source string // slash path relative to Options.SourceDir (the work tree)
	IsDir  bool
	Dir    DirAttrs  // when IsDir
	File   FileAttrs // otherwise

	// problem, when set, holds the entry (and a directory's subtree) with
	// this reason instead of failing the whole run.
	problem string
	// captureOnly, when set, lets Capture take home edits of the entry
	// while Apply holds it with this reason (its .chezmoiignore failed, so
	// what Apply may write is unknown).
	captureOnly string
	// from, when set, is where the contents are read: Source is a symlink
	// in the source dir and from the file it resolves to, relative to the
	// work tree (see sourcelink.go).
	from string
	// external: the entry is inside an external_ directory (externaldir.go).
	external bool
	// linkTo, when set, is the target of a symlink the entry copies (a
	// symlink inside an external_ directory).
	linkTo string
}

// contentPath is the work-tree path the entry's contents are read from.
func (e *Entry) contentPath() string {
	if e.from != "" {
		return e.from
	}
	return e.Source
}

// Unsupported is a source entry hearth skips, with the reason.
type Unsupported struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
}

// SourceState is a parsed source directory, ready to render.
type SourceState struct {
	ctx         context.Context
	opts        Options
	work        *safefile.Dir // SourceDir, every source read goes below it
	root        string        // absolute source root, after .chezmoiroot
	rootRel     string        // root relative to SourceDir, slash form ("" when none)
	entries     []*Entry
	byTarget    map[string]*Entry
	ignore      *IgnoreSet
	r           *renderer
	unsupported []Unsupported
	seen        map[string]bool
	known       map[string]bool // every target path the source names, supported or not
	listed      map[string][]fs.DirEntry
	// broken lists entries that could not be loaded at all (a bad name, an
	// unreadable directory), held by the plan.
	broken []brokenEntry
	// whole, when set, is a problem of the whole source (its root): no
	// entry is known, everything is held and no record is dropped.
	whole *brokenEntry
	// tmplProblem, when set, holds every template: the data or shared
	// templates they may use are broken.
	tmplProblem string
	// scripts are the run_ entries (scripts.go), removes the remove_
	// entries and removeSets the .chezmoiremove files (remove.go),
	// externals the .chezmoiexternal files (externals.go).
	scripts    []*Entry
	removes    []*Entry
	removeSets []removeSet
	externals  []externalFile
	// externalWarnings are unreachable externals whose last copy is used;
	// gitRepos the git-repo externals, cloned or pulled by Apply.
	externalWarnings []string
	gitRepos         []gitRepo
	modifyGuard      *guard // refuses modify_ targets before their script runs
}

// brokenEntry is a source path that names no loadable entry.
type brokenEntry struct {
	Target, Source, Reason string
}

// newSourceState checks and makes absolute opts' dirs and returns an empty
// source state over them: what Load and OpenTemplates start from.
func newSourceState(ctx context.Context, opts Options) (*SourceState, error) {
	if opts.SourceDir == "" || opts.TargetDir == "" {
		return nil, errors.New("dotfiles: source and target dirs are required")
	}
	var err error
	if opts.SourceDir, err = filepath.Abs(opts.SourceDir); err != nil {
		return nil, fmt.Errorf("source dir: %w", err)
	}
	if opts.TargetDir, err = filepath.Abs(opts.TargetDir); err != nil {
		return nil, fmt.Errorf("target dir: %w", err)
	}
	opts.Vars = fillVars(opts.Vars)
	return &SourceState{ctx: ctx, opts: opts, byTarget: map[string]*Entry{}, ignore: &IgnoreSet{}, seen: map[string]bool{}, known: map[string]bool{}}, nil
}

// Load reads the source directory: .chezmoiroot, data, shared templates,
// .chezmoiignore files, then every entry. Unsupported entries are recorded
// (see Unsupported) and skipped; malformed input is an error naming the file.
func Load(ctx context.Context, opts Options) (*SourceState, error) {
	s, err := newSourceState(ctx, opts)
	if err != nil {
		return nil, err
	}
	opts = s.opts
	if s.work, err = safefile.OpenDir(opts.SourceDir); err != nil {
		return nil, fmt.Errorf("source dir: %w", err)
	}
	if err := s.readRoot(); err != nil {
		// Nothing below the root can be trusted or found: hold everything
		// (see plan), so capture, merge and push still run and a fix pushed
		// to the remote reaches this host.
		s.root = s.opts.SourceDir
		s.whole = &brokenEntry{Target: ".", Source: ".chezmoiroot", Reason: "source unusable, nothing applied or captured: " + err.Error()}
		s.opts.logger().Warn("dotfiles: source unusable", "err", err)
		s.r, _ = newRenderer(ctx, &s.opts, s, nil, nil, nil)
		return s, nil
	}
	if opts.ConfigProblem != "" {
		s.whole = &brokenEntry{Target: ".", Source: ".", Reason: "nothing applied or captured: " + opts.ConfigProblem}
		s.opts.logger().Warn("dotfiles: config unusable", "reason", opts.ConfigProblem)
		s.r, _ = newRenderer(ctx, &s.opts, s, nil, nil, nil)
		return s, nil
	}
	data, err := s.readData()
	if err != nil {
		s.tmplProblem = "template data unavailable: " + err.Error()
	}
	shared, err := s.readSharedTemplates()
	if err != nil {
		s.tmplProblem = "shared templates unavailable: " + err.Error()
	}
	s.r, err = newRenderer(ctx, &s.opts, s, data, chezmoiVars(&s.opts, s.root), shared)
	if err != nil {
		s.tmplProblem = "shared templates unavailable: " + err.Error()
		s.r, _ = newRenderer(ctx, &s.opts, s, data, chezmoiVars(&s.opts, s.root), nil)
	}
	if s.tmplProblem != "" {
		s.opts.logger().Warn("dotfiles: templates held", "reason", s.tmplProblem)
	}
	if err := s.walk(s.root, "", "", ""); err != nil {
		return nil, err
	}
	s.listed = nil // only shared by readData and walk
	slices.SortFunc(s.entries, func(a, b *Entry) int { return strings.Compare(a.Target, b.Target) })
	return s, nil
}

// fillVars fills empty fields from the machine.
func fillVars(v Vars) Vars {
	d := DefaultVars()
	for _, f := range []struct {
		dst *string
		def string
	}{
		{&v.Hostname, d.Hostname}, {&v.FQDNHostname, d.FQDNHostname}, {&v.OS, d.OS}, {&v.Arch, d.Arch},
		{&v.Username, d.Username}, {&v.Group, d.Group}, {&v.UID, d.UID}, {&v.GID, d.GID},
	} {
		if *f.dst == "" {
			*f.dst = f.def
		}
	}
	if v.FQDNHostname == d.FQDNHostname && v.Hostname != d.Hostname {
		v.FQDNHostname = v.Hostname
	}
	if v.OSRelease == nil {
		v.OSRelease = d.OSRelease
	}
	if v.Kernel == nil {
		v.Kernel = d.Kernel
	}
	if v.Args == nil {
		v.Args = d.Args
	}
	if v.CommandDir == "" {
		v.CommandDir = d.CommandDir
	}
	return v
}

// readRoot applies .chezmoiroot: the source state lives in that
// subdirectory. The file and the root are resolved below the work tree
// without following any symlink: a root that is, or goes through, a link,
// or leaves the work tree, is refused.
func (s *SourceState) readRoot() error {
	s.root = s.opts.SourceDir
	name := filepath.Join(s.opts.SourceDir, ".chezmoiroot")
	b, err := s.work.ReadFile(".chezmoiroot", 4096)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	rel := strings.TrimSpace(string(b))
	root, err := within(s.opts.SourceDir, filepath.FromSlash(rel))
	if err != nil || rel == "" {
		return fmt.Errorf("%s: invalid root %q: %w", name, rel, errors.Join(err, errEscapes))
	}
	rel = path.Clean(filepath.ToSlash(rel))
	d, err := s.work.Sub(rel)
	if err != nil {
		return fmt.Errorf("%s: root %q: %w", name, rel, err)
	}
	d.Close()
	s.root, s.rootRel = root, rel
	return nil
}

// srcRel names a path below the source root relative to the work tree.
func (s *SourceState) srcRel(rel string) string {
	if s.rootRel == "" || s.rootRel == "." {
		return rel
	}
	return s.rootRel + "/" + rel
}

// readData merges every .chezmoidata.{json,jsonc,yaml,toml} file and every
// file in a .chezmoidata/ dir, anywhere in the source state, in lexical
// path order (chezmoi merges them all to the root of the data), then
// Options.Data over them.
func (s *SourceState) readData() (map[string]any, error) {
	var files []string
	// The listings are kept for walk, which visits the same directories:
	// the tree is read once per run.
	var visit func(dir, rel string) error
	visit = func(dir, rel string) error {
		ents, err := s.readDir(s.srcRel(rel))
		if err != nil {
			return err
		}
		for _, d := range ents {
			name := d.Name()
			r := name
			if rel != "" {
				r = rel + "/" + name
			}
			inDataDir := strings.HasPrefix(r, ".chezmoidata/") || strings.Contains(r, "/.chezmoidata/")
			switch {
			case d.IsDir():
				if strings.HasPrefix(name, ".") && name != ".chezmoidata" && !inDataDir {
					continue
				}
				if err := visit(filepath.Join(dir, name), r); err != nil {
					return err
				}
			case !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0:
			case inDataDir || strings.HasPrefix(name, ".chezmoidata."):
				files = append(files, r)
			}
		}
		return nil
	}
	if err := visit(s.root, ""); err != nil {
		return nil, fmt.Errorf("read data files under %s: %w", s.root, err)
	}
	slices.Sort(files)
	// A bad file is reported, the good ones still merged: templates are
	// held, and a .chezmoiignore that needs no broken key still renders.
	data := map[string]any{}
	var errs []error
	for _, f := range files {
		b, err := s.readFollowing(s.srcRel(f))
		if err != nil {
			errs = append(errs, fmt.Errorf("read %s: %w", s.srcRel(f), err))
			continue
		}
		m, err := readDataFile(s.srcRel(f), b, s.opts.maxDataSize())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		mergeData(data, m)
	}
	if s.opts.Data != nil {
		mergeData(data, deepCopyMap(s.opts.Data))
	}
	return data, errors.Join(errs...)
}

func deepCopyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if mm, ok := v.(map[string]any); ok {
			v = deepCopyMap(mm)
		}
		out[k] = v
	}
	return out
}

// readSharedTemplates reads .chezmoitemplates/ (name relative to it ->
// text), leaving out dot names; a .chezmoi* name there is an error.
func (s *SourceState) readSharedTemplates() (map[string]string, error) {
	out := map[string]string{}
	var visit func(rel string) error
	visit = func(rel string) error {
		ents, err := s.readDir(s.srcRel(path.Join(".chezmoitemplates", rel)))
		if errors.Is(err, fs.ErrNotExist) && rel == "" {
			return nil
		}
		if err != nil {
			return err
		}
		for _, e := range ents {
			r := path.Join(rel, e.Name())
			switch {
			case strings.HasPrefix(e.Name(), ".chezmoi"):
				// chezmoi refuses the whole source: a special file here
				// is a mistake whose intent is unknown.
				return fmt.Errorf("%s: not allowed in .chezmoitemplates", s.srcRel(path.Join(".chezmoitemplates", r)))
			case strings.HasPrefix(e.Name(), "."):
				// Like chezmoi: other dot names are not templates.
			case e.IsDir():
				if err := visit(r); err != nil {
					return err
				}
			case e.Type().IsRegular():
				b, err := s.work.ReadFile(s.srcRel(path.Join(".chezmoitemplates", r)), s.opts.maxFileSize())
				if err != nil {
					return err
				}
				out[r] = string(b)
			}
		}
		return nil
	}
	if err := visit(""); err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(s.root, ".chezmoitemplates"), err)
	}
	return out, nil
}

func (s *SourceState) unsupportedEntry(src, reason string) {
	if s.seen[src] {
		return
	}
	s.seen[src] = true
	s.unsupported = append(s.unsupported, Unsupported{Source: src, Reason: reason})
	s.opts.logger().Warn("dotfiles: unsupported source entry skipped", "source", src, "reason", reason)
}

// readDir lists the work-tree directory rel once per run, sorted by name,
// without following any symlink on the way.
func (s *SourceState) readDir(rel string) ([]fs.DirEntry, error) {
	if ents, ok := s.listed[rel]; ok {
		return ents, nil
	}
	ents, err := s.work.ReadDir(rel)
	if err != nil {
		return nil, err
	}
	if s.listed == nil {
		s.listed = map[string][]fs.DirEntry{}
	}
	s.listed[rel] = ents
	return ents, nil
}

// walk reads one source directory. srcRel is its path below the root,
// target its target path ("" for the root), and captureOnly is set below a
// directory whose .chezmoiignore failed. A problem with one entry holds
// that entry (and a directory's subtree); only a cancelled context is an
// error.
func (s *SourceState) walk(dir, srcRel, target, captureOnly string) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	ents, err := s.readDir(s.srcRel(srcRel))
	if err != nil {
		if target == "" {
			s.whole = &brokenEntry{Target: ".", Source: s.srcRel("."), Reason: "source unusable, nothing applied or captured: " + err.Error()}
			return nil
		}
		if e := s.byTarget[target]; e != nil {
			e.problem = "cannot read source directory: " + err.Error()
		}
		return nil
	}
	if err := s.readIgnore(srcRel, target, ents); err != nil && captureOnly == "" {
		captureOnly = err.Error() + "; apply holds this subtree until it is fixed"
		s.opts.logger().Warn("dotfiles: .chezmoiignore failed", "err", err)
	}
	join := func(a, b string) string {
		if a == "" {
			return b
		}
		return a + "/" + b
	}
	for _, e := range ents {
		name := e.Name()
		src := s.srcRel(join(srcRel, name))
		if strings.HasPrefix(name, ".") {
			s.special(src, target, name, e.IsDir(), captureOnly)
			continue
		}
		if e.Type()&fs.ModeSymlink != 0 {
			s.sourceLink(src, name, target, captureOnly)
			continue
		}
		if !e.IsDir() && !e.Type().IsRegular() {
			t := join(target, ParseFileName(name).TargetName)
			s.known[t] = true
			if !s.ignore.Ignored(t) {
				s.unsupportedEntry(src, "not a regular file, directory or symlink in the source")
			}
			continue
		}
		if e.IsDir() {
			a := ParseDirName(name)
			if err := validTargetName(a.TargetName); err != nil {
				s.broken = append(s.broken, brokenEntry{Target: src, Source: src, Reason: "invalid source name: " + err.Error()})
				continue
			}
			t := join(target, a.TargetName)
			s.known[t] = true
			if s.ignore.Ignored(t) {
				continue
			}
			switch {
			case a.External:
				s.add(&Entry{Target: t, Source: src, IsDir: true, Dir: a, captureOnly: captureOnly})
				if err := s.walkExternal(join(srcRel, name), t, captureOnly); err != nil {
					return err
				}
				continue
			}
			s.add(&Entry{Target: t, Source: src, IsDir: true, Dir: a, captureOnly: captureOnly})
			if err := s.walk(filepath.Join(dir, name), join(srcRel, name), t, captureOnly); err != nil {
				return err
			}
			continue
		}
		a := ParseFileName(name)
		if err := validTargetName(a.TargetName); err != nil {
			s.broken = append(s.broken, brokenEntry{Target: src, Source: src, Reason: "invalid source name: " + err.Error()})
			continue
		}
		t := join(target, a.TargetName)
		s.known[t] = true
		if s.ignore.Ignored(t) {
			continue
		}
		switch a.Type {
		case FileRemove:
			s.removes = append(s.removes, &Entry{Target: t, Source: src, File: a, captureOnly: captureOnly})
			continue
		case FileScript:
			s.scripts = append(s.scripts, &Entry{Target: t, Source: src, File: a, captureOnly: captureOnly})
			continue
		}
		s.add(&Entry{Target: t, Source: src, File: a, captureOnly: captureOnly})
	}
	return nil
}

// special handles a dot-prefixed source entry: chezmoi's special files are
// read elsewhere or reported; everything else (.git, .hearth-conflicts) is
// never applied.
func (s *SourceState) special(src, target, name string, isDir bool, captureOnly string) {
	switch {
	case name == ".chezmoiscripts" && isDir:
		s.walkScripts(src, captureOnly)
	case name == ".chezmoiexternals" && isDir, strings.HasPrefix(name, ".chezmoiexternal."):
		s.addExternals(src, target, name, isDir, captureOnly)
	case name == ".chezmoiremove" || name == ".chezmoiremove.tmpl":
		s.removeSets = append(s.removeSets, removeSet{source: src, dir: target, captureOnly: captureOnly})
	}
}

// readIgnore renders and adds the .chezmoiignore of one source directory.
func (s *SourceState) readIgnore(srcRel, target string, ents []fs.DirEntry) error {
	for _, e := range ents {
		if n := e.Name(); (n != ".chezmoiignore" && n != ".chezmoiignore.tmpl") || !(e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0) {
			continue
		}
		rel := path.Join(srcRel, e.Name())
		b, err := s.readFollowing(s.srcRel(rel))
		if err != nil {
			return fmt.Errorf("read %s: %w", s.srcRel(rel), err)
		}
		// Rendered even when some data is broken: one that needs no
		// broken key still works.
		out, _, err := s.r.render(s.srcRel(rel), path.Join(target, e.Name()), b)
		if err != nil && s.tmplProblem != "" {
			return fmt.Errorf("render %s: %w (%s)", s.srcRel(rel), err, s.tmplProblem)
		}
		if err != nil {
			return fmt.Errorf("render %s: %w", s.srcRel(rel), err)
		}
		b = out
		if err := s.ignore.ParseIgnore(s.srcRel(rel), target, string(b)); err != nil {
			return err
		}
	}
	return nil
}

// add registers an entry; a second entry for the same target holds it.
func (s *SourceState) add(e *Entry) {
	if prev, ok := s.byTarget[e.Target]; ok {
		prev.problem = fmt.Sprintf("both %s and %s define this target", prev.Source, e.Source)
		return
	}
	s.byTarget[e.Target] = e
	s.entries = append(s.entries, e)
}

// Entries lists the managed entries in target order.
func (s *SourceState) Entries() []*Entry { return s.entries }

// Unsupported lists the skipped entries, each once.
func (s *SourceState) Unsupported() []Unsupported { return s.unsupported }

// Root is the absolute source root (after .chezmoiroot).
func (s *SourceState) Root() string { return s.root }

// Ignored reports whether .chezmoiignore excludes the target path.
func (s *SourceState) Ignored(target string) bool { return s.ignore.Ignored(target) }
