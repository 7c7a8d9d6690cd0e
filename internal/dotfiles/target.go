package dotfiles

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/hearth-fleet/hearth/internal/safefile"
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
	Contents  []byte      // files; of plain files only once a change needs them (load)
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
	size    int64  // of Contents, known before they are read
	lazy    bool   // Contents not read yet

	// modify: a modify_ entry's result, computed from home's content
	// whose hash (or "" when absent) is modifyInput.
	modify      bool
	modifyInput string
	// external: brought by an external; never captured.
	external bool
}

// plain reports whether the source file is its target's content as it is
// (no template, no encryption, not a link): hashed, read only when needed.
func (a FileAttrs) plain() bool {
	return !a.Template && !a.Encrypted && a.Type != FileSymlink && a.Type != FileModify
}

// load reads the contents of a plain file target, checking they are still
// what was hashed.
func (s *SourceState) load(t *Target) error {
	if !t.lazy {
		return nil
	}
	b, err := s.work.ReadFile(t.Entry.contentPath(), s.opts.maxFileSize())
	if err != nil {
		return fmt.Errorf("read source: %w", err)
	}
	if hashBytes(b) != t.hash {
		return fmt.Errorf("read source %s: %w", t.Source, errChanged)
	}
	t.Contents, t.lazy = b, false
	return nil
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
	// Plain files are only hashed, streamed: their contents are read when
	// a change needs them (load), so a no-op round holds no file in memory.
	raw := make([][]byte, len(s.entries))
	sums := make([]string, len(s.entries))
	sizes := make([]int64, len(s.entries))
	blanks := make([]bool, len(s.entries))
	rawErrs := make([]error, len(s.entries))
	parallel(len(s.entries), func(i int) {
		switch e := s.entries[i]; {
		case e.IsDir || e.problem != "" || e.linkTo != "":
		case e.File.plain():
			sums[i], sizes[i], blanks[i], rawErrs[i] = s.hashPlain(e.contentPath())
		default:
			raw[i], rawErrs[i] = s.work.ReadFile(e.contentPath(), s.opts.maxFileSize())
		}
	})
	for i, e := range s.entries {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		if e.IsDir {
			out = append(out, &Target{
				Path: e.Target, Source: e.Source, Kind: KindDir, Entry: e, Problem: e.problem,
				Perm: e.Dir.Perm() &^ umask, Exact: e.Dir.Exact, Sensitive: e.Dir.Private, external: e.external,
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
		if e.linkTo != "" {
			out = append(out, &Target{Path: e.Target, Source: e.Source, Entry: e, Kind: KindSymlink, Link: e.linkTo})
			continue
		}
		if e.File.plain() {
			a := e.File
			out = append(out, &Target{
				Path: e.Target, Source: e.Source, Entry: e, Kind: KindFile,
				Perm: a.Perm() &^ umask, Create: a.Type == FileCreate, Sensitive: a.Private,
				size: sizes[i], hash: sums[i], lazy: true,
				Absent: blanks[i] && !a.Empty, external: e.external,
			})
			continue
		}
		var t *Target
		var err error
		if e.File.Type == FileModify {
			t, err = s.modifyTarget(e, raw[i], dec, umask)
		} else {
			t, err = s.renderFile(e, raw[i], dec, umask)
		}
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
	if len(s.externals) > 0 {
		out = append(out, s.externalTargets(umask)...)
		slices.SortStableFunc(out, func(a, b *Target) int { return strings.Compare(a.Path, b.Path) })
		out = s.holdDuplicateTargets(out)
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
	t.Contents, t.size = b, int64(len(b))
	t.Absent = blank(b) && !a.Empty
	return t, nil
}

// blank is chezmoi's "absent" test: a file (create_ ones too) whose
// contents are only whitespace is not written unless it is empty_.
func blank(b []byte) bool { return len(bytes.TrimSpace(b)) == 0 }

// blankProbe is the size up to which a plain file is read whole to tell
// whether it is blank; larger ones are streamed through the hash. A
// whitespace-only file over it is taken as content (see
// docs/chezmoi-compat.md).
const blankProbe = 4096

// hashPlain hashes a plain source file and tells whether it is blank,
// reading it once.
func (s *SourceState) hashPlain(rel string) (sum string, size int64, isBlank bool, err error) {
	limit := s.opts.maxFileSize()
	b, err := s.work.ReadFile(rel, min(blankProbe, limit))
	if errors.Is(err, safefile.ErrTooLarge) && limit > blankProbe {
		sum, size, err = s.work.Hash(rel, limit)
		return sum, size, size == 0, err
	}
	if err != nil {
		return "", 0, false, err
	}
	return hashBytes(b), int64(len(b)), blank(b), nil
}
