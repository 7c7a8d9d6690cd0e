package dotfiles

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Entry is one managed target as declared by the source state.
type Entry struct {
	Target string // slash path relative to the target dir
	Source string // slash path relative to Options.SourceDir (the work tree)
	IsDir  bool
	Dir    DirAttrs  // when IsDir
	File   FileAttrs // otherwise
}

// Unsupported is a source entry hearth skips, with the reason.
type Unsupported struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
}

// SourceState is a parsed source directory, ready to render.
type SourceState struct {
	opts        Options
	root        string // absolute source root, after .chezmoiroot
	rootRel     string // root relative to SourceDir, slash form ("" when none)
	entries     []*Entry
	byTarget    map[string]*Entry
	ignore      *IgnoreSet
	r           *renderer
	unsupported []Unsupported
	seen        map[string]bool
	known       map[string]bool // every target path the source names, supported or not
	listed      map[string][]fs.DirEntry
}

// Load reads the source directory: .chezmoiroot, data, shared templates,
// .chezmoiignore files, then every entry. Unsupported entries are recorded
// (see Unsupported) and skipped; malformed input is an error naming the file.
func Load(ctx context.Context, opts Options) (*SourceState, error) {
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
	s := &SourceState{opts: opts, byTarget: map[string]*Entry{}, ignore: &IgnoreSet{}, seen: map[string]bool{}, known: map[string]bool{}}
	if err := s.readRoot(); err != nil {
		return nil, err
	}
	data, err := s.readData()
	if err != nil {
		return nil, err
	}
	shared, err := s.readSharedTemplates()
	if err != nil {
		return nil, err
	}
	s.r, err = newRenderer(ctx, &s.opts, s.root, data, chezmoiVars(&s.opts, s.root), shared)
	if err != nil {
		return nil, err
	}
	if err := s.walk(s.root, "", ""); err != nil {
		return nil, err
	}
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
	return v
}

// readRoot applies .chezmoiroot: the source state lives in that subdirectory.
func (s *SourceState) readRoot() error {
	s.root = s.opts.SourceDir
	b, err := os.ReadFile(filepath.Join(s.opts.SourceDir, ".chezmoiroot"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf(".chezmoiroot: %w", err)
	}
	rel := strings.TrimSpace(string(b))
	root, err := within(s.opts.SourceDir, filepath.FromSlash(rel))
	if err != nil || rel == "" {
		return fmt.Errorf("%s: invalid root %q: %w", filepath.Join(s.opts.SourceDir, ".chezmoiroot"), rel, errors.Join(err, errEscapes))
	}
	fi, err := os.Stat(root)
	if err != nil || !fi.IsDir() {
		return fmt.Errorf("%s: root %q is not a directory", filepath.Join(s.opts.SourceDir, ".chezmoiroot"), rel)
	}
	s.root, s.rootRel = root, path.Clean(filepath.ToSlash(rel))
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
		ents, err := s.readDir(dir)
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
			case !d.Type().IsRegular():
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
	data := map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(s.root, filepath.FromSlash(f)))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", s.srcRel(f), err)
		}
		m, err := readDataFile(s.srcRel(f), b)
		if err != nil {
			return nil, err
		}
		mergeData(data, m)
	}
	if s.opts.Data != nil {
		mergeData(data, deepCopyMap(s.opts.Data))
	}
	return data, nil
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

// readSharedTemplates reads .chezmoitemplates/ (name relative to it -> text).
func (s *SourceState) readSharedTemplates() (map[string]string, error) {
	dir := filepath.Join(s.root, ".chezmoitemplates")
	out := map[string]string{}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return out, nil
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
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

// walk reads one source directory. srcRel is its path below the root and
// target its target path ("" for the root).
// readDir lists dir once per run (os.ReadDir order: sorted by name).
func (s *SourceState) readDir(dir string) ([]fs.DirEntry, error) {
	if ents, ok := s.listed[dir]; ok {
		return ents, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	if s.listed == nil {
		s.listed = map[string][]fs.DirEntry{}
	}
	s.listed[dir] = ents
	return ents, nil
}

func (s *SourceState) walk(dir, srcRel, target string) error {
	ents, err := s.readDir(dir)
	if err != nil {
		return fmt.Errorf("read source dir %s: %w", dir, err)
	}
	if err := s.readIgnore(dir, srcRel, target, ents); err != nil {
		return err
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
			s.special(src, name, e.IsDir())
			continue
		}
		if e.Type()&fs.ModeSymlink != 0 || (!e.IsDir() && !e.Type().IsRegular()) {
			t := join(target, ParseFileName(name).TargetName)
			s.known[t] = true
			if !s.ignore.Ignored(t) {
				s.unsupportedEntry(src, "not a regular file or directory in the source (use symlink_ for links)")
			}
			continue
		}
		if e.IsDir() {
			a := ParseDirName(name)
			if err := validTargetName(a.TargetName); err != nil {
				return fmt.Errorf("source %s: %w", src, err)
			}
			t := join(target, a.TargetName)
			s.known[t] = true
			if s.ignore.Ignored(t) {
				continue
			}
			switch {
			case a.Remove:
				s.unsupportedEntry(src, "remove_ directories are not supported")
				continue
			case a.External:
				s.unsupportedEntry(src, "external_ directories are not supported")
				continue
			}
			if err := s.add(&Entry{Target: t, Source: src, IsDir: true, Dir: a}); err != nil {
				return err
			}
			if err := s.walk(filepath.Join(dir, name), join(srcRel, name), t); err != nil {
				return err
			}
			continue
		}
		a := ParseFileName(name)
		if err := validTargetName(a.TargetName); err != nil {
			return fmt.Errorf("source %s: %w", src, err)
		}
		t := join(target, a.TargetName)
		s.known[t] = true
		if s.ignore.Ignored(t) {
			continue
		}
		switch a.Type {
		case FileModify, FileRemove, FileScript:
			s.unsupportedEntry(src, a.Type.String()+" entries are not supported")
			continue
		}
		if err := s.add(&Entry{Target: t, Source: src, File: a}); err != nil {
			return err
		}
	}
	return nil
}

// special handles a dot-prefixed source entry: chezmoi's special files are
// read elsewhere or reported; everything else (.git, .hearth-conflicts) is
// never applied.
func (s *SourceState) special(src, name string, isDir bool) {
	switch {
	case name == ".chezmoiscripts" && isDir:
		s.unsupportedEntry(src, "scripts are not supported")
	case name == ".chezmoiexternals" && isDir, strings.HasPrefix(name, ".chezmoiexternal."):
		s.unsupportedEntry(src, "externals are not supported")
	case name == ".chezmoiremove" || name == ".chezmoiremove.tmpl":
		s.unsupportedEntry(src, ".chezmoiremove is not supported")
	}
}

// readIgnore renders and adds the .chezmoiignore of one source directory.
func (s *SourceState) readIgnore(dir, srcRel, target string, ents []fs.DirEntry) error {
	for _, e := range ents {
		if n := e.Name(); (n != ".chezmoiignore" && n != ".chezmoiignore.tmpl") || !e.Type().IsRegular() {
			continue
		}
		rel := path.Join(srcRel, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("read %s: %w", s.srcRel(rel), err)
		}
		out, _, err := s.r.render(s.srcRel(rel), path.Join(target, e.Name()), b)
		if err != nil {
			return fmt.Errorf("render %s: %w", s.srcRel(rel), err)
		}
		if err := s.ignore.ParseIgnore(s.srcRel(rel), target, string(out)); err != nil {
			return err
		}
	}
	return nil
}

func (s *SourceState) add(e *Entry) error {
	if prev, ok := s.byTarget[e.Target]; ok {
		return fmt.Errorf("source %s and %s both define target %s", prev.Source, e.Source, e.Target)
	}
	s.byTarget[e.Target] = e
	s.entries = append(s.entries, e)
	return nil
}

// Entries lists the managed entries in target order.
func (s *SourceState) Entries() []*Entry { return s.entries }

// Unsupported lists the skipped entries, each once.
func (s *SourceState) Unsupported() []Unsupported { return s.unsupported }

// Root is the absolute source root (after .chezmoiroot).
func (s *SourceState) Root() string { return s.root }

// Ignored reports whether .chezmoiignore excludes the target path.
func (s *SourceState) Ignored(target string) bool { return s.ignore.Ignored(target) }
