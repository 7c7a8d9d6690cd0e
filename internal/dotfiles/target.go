package dotfiles

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// Kind is the type of a target in home.
type Kind string

// Target kinds.
const (
	KindFile    Kind = "file"
	KindDir     Kind = "dir"
	KindSymlink Kind = "symlink"
)

// Target is the desired state of one target for this host.
type Target struct {
	Path      string      // slash path relative to the target dir
	Source    string      // slash path relative to Options.SourceDir
	Kind      Kind        //
	Perm      fs.FileMode // files and dirs, umask applied
	Contents  []byte      // files
	Link      string      // symlinks
	Absent    bool        // rendered empty without empty_: must not exist
	Create    bool        // create_: written only when missing
	Exact     bool        // exact_ dir: unmanaged entries are removed
	Template  bool
	Encrypted bool
	// Sensitive targets never have their contents printed: encrypted,
	// private_, or rendered from an absolute include or a command.
	Sensitive bool
	Entry     *Entry
	// Problem, when set, is why the target could not be rendered (a
	// template error, an unreadable or oversized source): it is held.
	Problem string
	// unknown: the render needed a command this plan may not run
	// (CommandsSkip); the target is left out of the plan, records kept.
	unknown bool
	hash    string // of Contents, once computed
}

// sum is the hex SHA-256 of the contents, computed once.
func (t *Target) sum() string {
	if t.hash == "" {
		t.hash = hashBytes(t.Contents)
	}
	return t.hash
}

// Targets renders every entry for this host, in target order. An entry
// that cannot be read or rendered (template errors name the source file
// and line) gives a target with Problem set, held by the plan, so one bad
// entry never stops the others. Entries that call an unsupported template
// function are recorded as unsupported and left out.
func (s *SourceState) Targets() ([]*Target, error) {
	dec := &decrypter{files: s.opts.AgeIdentityFiles}
	umask := s.opts.umask()
	out := make([]*Target, 0, len(s.entries))
	// Read every source file first, overlapping the reads; rendering
	// stays sequential.
	raw := make([][]byte, len(s.entries))
	rawErrs := make([]error, len(s.entries))
	parallel(len(s.entries), func(i int) {
		if e := s.entries[i]; !e.IsDir && e.problem == "" {
			raw[i], rawErrs[i] = s.work.ReadFile(e.Source, s.opts.maxFileSize())
		}
	})
	for i, e := range s.entries {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		if e.IsDir {
			out = append(out, &Target{
				Path: e.Target, Source: e.Source, Kind: KindDir, Entry: e, Problem: e.problem,
				Perm: e.Dir.Perm() &^ umask, Exact: e.Dir.Exact, Sensitive: e.Dir.Private,
			})
			continue
		}
		held := func(reason string) {
			out = append(out, &Target{Path: e.Target, Source: e.Source, Kind: KindFile, Entry: e, Problem: reason,
				Template: e.File.Template, Encrypted: e.File.Encrypted, Sensitive: true})
			s.opts.logger().Warn("dotfiles: entry held", "source", e.Source, "reason", reason)
		}
		switch {
		case e.problem != "":
			held(e.problem)
			continue
		case rawErrs[i] != nil:
			held("cannot read source: " + rawErrs[i].Error())
			continue
		case e.File.Template && s.tmplProblem != "":
			held(s.tmplProblem)
			continue
		}
		t, err := s.renderFile(e, raw[i], dec, umask)
		switch {
		case errors.Is(err, errUnsupported):
			var fe *unsupportedFuncError
			reason := "unsupported"
			if errors.As(err, &fe) {
				reason = fe.Error()
			}
			s.unsupportedEntry(e.Source, reason)
			continue
		case errors.Is(err, errCommandSkipped):
			out = append(out, &Target{Path: e.Target, Source: e.Source, Kind: KindFile, Entry: e, unknown: true})
			continue
		case s.ctx.Err() != nil:
			return nil, s.ctx.Err()
		case err != nil:
			held(err.Error())
			continue
		}
		out = append(out, t)
	}
	return out, nil
}

func (s *SourceState) renderFile(e *Entry, b []byte, dec *decrypter, umask fs.FileMode) (*Target, error) {
	a := e.File
	var err error
	t := &Target{
		Path: e.Target, Source: e.Source, Entry: e, Kind: KindFile,
		Perm: a.Perm() &^ umask, Create: a.Type == FileCreate,
		Template: a.Template, Encrypted: a.Encrypted, Sensitive: a.Encrypted || a.Private,
	}
	if a.Encrypted {
		if b, err = dec.decrypt(b); err != nil {
			return nil, fmt.Errorf("source %s: %w", e.Source, err)
		}
	}
	if a.Template {
		out, sensitive, err := s.r.render(e.Source, e.Target, b)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", e.Source, err)
		}
		b = out
		t.Sensitive = t.Sensitive || sensitive
	}
	if a.Type == FileSymlink {
		t.Kind, t.Perm = KindSymlink, 0
		t.Link = strings.TrimSpace(string(b))
		t.Absent = t.Link == ""
		return t, nil
	}
	t.Contents = b
	// Like chezmoi, an empty file means "absent" unless empty_; create_
	// files are created even when empty.
	t.Absent = len(b) == 0 && !a.Empty && a.Type != FileCreate
	return t, nil
}
