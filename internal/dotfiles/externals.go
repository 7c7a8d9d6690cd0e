package dotfiles

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/hearth-fleet/hearth/internal/chezmoicfg"
	"io"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"
)

// Externals (.chezmoiexternal.{toml,yaml,json}, always templates, and the
// files of .chezmoiexternals/) bring files from URLs: type file (one
// file), archive (a tree, with stripComponents, include/exclude, exact),
// archive-file (one member of an archive) and git-repo (a clone, pulled
// when its refresh period has passed). What they bring becomes ordinary
// targets, so records, holds and the trash apply; a home edit of one is
// held, never captured. Downloads are cached in the state dir and capped
// at dotfiles.max_file_size; an unreachable URL leaves the last copy in
// place and is reported, and a URL never reached holds its targets. An
// archive member that is absolute, climbs out with "..", or lies below a
// symlink of the archive is refused with the whole archive.

// externalFile is one .chezmoiexternal file (or one file of a
// .chezmoiexternals dir): its source path and the target dir its keys
// are relative to.
type externalFile struct {
	source, dir string
	captureOnly string // its directory's .chezmoiignore failed: its targets are held
}

// external is one entry of an externals file, with chezmoi's keys.
type external struct {
	Type            string           `json:"type" toml:"type" yaml:"type"`
	URL             string           `json:"url" toml:"url" yaml:"url"`
	URLs            []string         `json:"urls" toml:"urls" yaml:"urls"`
	Exact           bool             `json:"exact" toml:"exact" yaml:"exact"`
	Executable      bool             `json:"executable" toml:"executable" yaml:"executable"`
	Private         bool             `json:"private" toml:"private" yaml:"private"`
	ReadOnly        bool             `json:"readonly" toml:"readonly" yaml:"readonly"`
	Encrypted       bool             `json:"encrypted" toml:"encrypted" yaml:"encrypted"`
	Checksum        externalChecksum `json:"checksum" toml:"checksum" yaml:"checksum"`
	Decompress      string           `json:"decompress" toml:"decompress" yaml:"decompress"`
	Exclude         []string         `json:"exclude" toml:"exclude" yaml:"exclude"`
	Include         []string         `json:"include" toml:"include" yaml:"include"`
	Format          string           `json:"format" toml:"format" yaml:"format"`
	Path            string           `json:"path" toml:"path" yaml:"path"`
	RefreshPeriod   string           `json:"refreshPeriod" toml:"refreshPeriod" yaml:"refreshPeriod"`
	StripComponents int              `json:"stripComponents" toml:"stripComponents" yaml:"stripComponents"`
	Clone           struct {
		Args []string `json:"args" toml:"args" yaml:"args"`
	} `json:"clone" toml:"clone" yaml:"clone"`
	Pull struct {
		Args []string `json:"args" toml:"args" yaml:"args"`
	} `json:"pull" toml:"pull" yaml:"pull"`
	Filter struct {
		Command string `json:"command" toml:"command" yaml:"command"`
	} `json:"filter" toml:"filter" yaml:"filter"`
}

func (x *external) urls() []string {
	if len(x.URLs) > 0 {
		return x.URLs
	}
	return []string{x.URL}
}

// refresh parses refreshPeriod: a Go duration, or whole days ("7d").
func (x *external) refresh() (time.Duration, error) {
	p := strings.TrimSpace(x.RefreshPeriod)
	if p == "" || p == "0" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(p, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil {
			return 0, fmt.Errorf("refreshPeriod %q: %w", p, err)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(p)
	if err != nil {
		return 0, fmt.Errorf("refreshPeriod %q: %w", p, err)
	}
	return d, nil
}

// addExternals records a .chezmoiexternal file, or every file of a
// .chezmoiexternals dir; target is the target dir of their parent.
func (s *SourceState) addExternals(src, target, name string, isDir bool, captureOnly string) {
	if !isDir {
		s.externals = append(s.externals, externalFile{source: src, dir: target, captureOnly: captureOnly})
		return
	}
	ents, err := s.readDir(src)
	if err != nil {
		s.broken = append(s.broken, brokenEntry{Target: path.Join(target, name), Source: src, Reason: "cannot read source directory: " + err.Error()})
		return
	}
	for _, e := range ents {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			s.externals = append(s.externals, externalFile{source: src + "/" + e.Name(), dir: target, captureOnly: captureOnly})
		}
	}
}

// GitExternal clones url into dir (missing) or pulls it (pull), for
// git-repo externals; the CLI gives one built on hearth's hardened git.
type GitExternal func(ctx context.Context, dir, url string, pull bool) error

// externalTargets renders every externals file and turns each external
// into targets. A file that cannot be read, rendered or parsed holds its
// externals; one external that cannot be fetched holds its targets.
func (s *SourceState) externalTargets(umask fs.FileMode) []*Target {
	var out []*Target
	for _, xf := range s.externals {
		if xf.captureOnly != "" {
			out = append(out, &Target{Path: path.Join(xf.dir, path.Base(xf.source)), Source: xf.source, Kind: KindFile,
				Problem: xf.captureOnly, Sensitive: true, external: true})
			continue
		}
		list, err := s.readExternals(xf)
		if err != nil {
			out = append(out, &Target{Path: path.Join(xf.dir, path.Base(xf.source)), Source: xf.source, Kind: KindFile,
				Problem: err.Error(), Sensitive: true, external: true})
			continue
		}
		for _, k := range sortedKeys(list) {
			x := list[k]
			t := path.Join(xf.dir, k)
			if !s.opts.selected(t) || s.ignore.Ignored(t) {
				continue
			}
			s.known[t] = true
			ts, err := s.externalTarget(xf, t, x, umask)
			switch {
			case errors.Is(err, errFetchSkipped):
				out = append(out, &Target{Path: t, Source: xf.source, Kind: KindFile, unknown: true, external: true})
			case err != nil:
				out = append(out, &Target{Path: t, Source: xf.source, Kind: KindFile, Problem: err.Error(), Sensitive: true, external: true})
				s.opts.logger().Warn("dotfiles: external held", "target", t, "source", xf.source, "reason", err)
			default:
				out = append(out, ts...)
			}
		}
	}
	return out
}

func sortedKeys(m map[string]*external) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// readExternals renders and parses one externals file.
func (s *SourceState) readExternals(xf externalFile) (map[string]*external, error) {
	b, err := s.work.ReadFile(xf.source, s.opts.maxFileSize())
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", xf.source, err)
	}
	if s.tmplProblem != "" {
		return nil, errString(s.tmplProblem)
	}
	b, _, err = s.r.render(xf.source, path.Join(xf.dir, path.Base(xf.source)), b)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", xf.source, err)
	}
	check := chezmoicfg.CheckNesting
	if path.Ext(strings.TrimSuffix(xf.source, suffixTmpl)) == ".toml" {
		check = chezmoicfg.CheckTOML
	}
	if err := check(b); err != nil {
		return nil, fmt.Errorf("%s: %w", xf.source, err)
	}
	if err := chezmoicfg.CheckBudget(chezmoicfg.Format(strings.TrimSuffix(xf.source, suffixTmpl)), b, s.opts.maxDataSize()); err != nil {
		return nil, fmt.Errorf("%s: %w", xf.source, err)
	}
	m := map[string]*external{}
	switch ext := path.Ext(strings.TrimSuffix(xf.source, suffixTmpl)); ext {
	case ".toml":
		err = toml.Unmarshal(b, &m)
	case ".yaml", ".yml":
		if err = chezmoicfg.CheckAliases(b); err == nil {
			err = yaml.Unmarshal(b, &m)
		}
	case ".json":
		err = json.Unmarshal(b, &m)
	default:
		return nil, fmt.Errorf("%s: unknown format %q", xf.source, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", xf.source, err)
	}
	for k := range m {
		if err := validExternalKey(k); err != nil {
			return nil, fmt.Errorf("%s: %w", xf.source, err)
		}
		if m[k] == nil {
			m[k] = &external{}
		}
	}
	return m, nil
}

// validExternalKey refuses keys that are not relative paths below the
// externals file's directory.
func validExternalKey(k string) error {
	if k == "" || strings.HasPrefix(k, "/") {
		return fmt.Errorf("external %q: not a relative path", k)
	}
	for _, c := range strings.Split(k, "/") {
		if c == ".." || c == "." || c == "" {
			return fmt.Errorf("external %q: not a clean relative path", k)
		}
	}
	return nil
}

// externalTarget fetches one external and builds its targets.
func (s *SourceState) externalTarget(xf externalFile, target string, x *external, umask fs.FileMode) ([]*Target, error) {
	if x.Encrypted {
		return nil, errors.New("encrypted externals are not supported")
	}
	if x.Filter.Command != "" {
		// Applying the download unfiltered would write something else.
		return nil, errors.New("filter.command is not supported")
	}
	refresh, err := x.refresh()
	if err != nil {
		return nil, err
	}
	if x.Type == "git-repo" {
		if len(x.urls()) == 0 || x.urls()[0] == "" {
			return nil, errors.New("external has no url")
		}
		s.gitRepos = append(s.gitRepos, gitRepo{target: target, source: xf.source, url: x.urls()[0], refresh: refresh})
		return nil, nil
	}
	if len(x.urls()) == 0 || x.urls()[0] == "" {
		return nil, errors.New("external has no url")
	}
	got, err := s.fetch(x, refresh)
	if err != nil {
		return nil, err
	}
	if got.stale != "" {
		s.externalWarnings = append(s.externalWarnings, target+": "+got.stale)
		s.opts.logger().Warn("dotfiles: external unreachable, last copy used", "target", target, "reason", got.stale)
	}
	attrs := FileAttrs{Executable: x.Executable, Private: x.Private, ReadOnly: x.ReadOnly}
	file := func(b []byte) *Target {
		e := &Entry{Target: target, Source: xf.source, File: attrs}
		return &Target{Path: target, Source: xf.source, Entry: e, Kind: KindFile, Perm: attrs.Perm() &^ umask,
			Contents: b, size: int64(len(b)), Sensitive: x.Private, external: true}
	}
	switch x.Type {
	case "file", "":
		b, err := decompress(got.data, x.Decompress, s.opts.maxFileSize())
		if err != nil {
			return nil, err
		}
		return []*Target{file(b)}, nil
	case "archive-file":
		members, err := s.archiveMembers(x, got.data)
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			if m.name == path.Clean(x.Path) && m.mode.Type() == 0 {
				t := file(m.contents)
				if isExecutable(m.mode) {
					attrs.Executable = true
					t.Entry.File, t.Perm = attrs, attrs.Perm()&^umask
				}
				return []*Target{t}, nil
			}
		}
		return nil, fmt.Errorf("archive-file: %q is not a file of the archive", x.Path)
	case "archive":
		members, err := s.archiveMembers(x, got.data)
		if err != nil {
			return nil, err
		}
		return s.archiveTargets(xf, target, x, members, umask)
	}
	return nil, fmt.Errorf("external type %q not supported", x.Type)
}

func isExecutable(m fs.FileMode) bool { return m.Perm()&0o111 != 0 }

func (s *SourceState) archiveMembers(x *external, data []byte) ([]archiveEntry, error) {
	u, _ := url.Parse(x.urls()[0])
	p := ""
	if u != nil {
		p = u.Path
	}
	format, err := archiveFormat(x.Format, p)
	if err != nil {
		return nil, err
	}
	return readArchive(data, format, s.opts.maxFileSize())
}

// archiveTargets turns an archive's members into targets below target,
// as chezmoi does: patterns match the member's name before stripping,
// directories keep their mode, files their executable bit.
func (s *SourceState) archiveTargets(xf externalFile, target string, x *external, members []archiveEntry, umask fs.FileMode) ([]*Target, error) {
	root := &Entry{Target: target, Source: xf.source, IsDir: true, Dir: DirAttrs{Exact: x.Exact}}
	out := []*Target{{Path: target, Source: xf.source, Kind: KindDir, Entry: root, Perm: 0o777 &^ umask, Exact: x.Exact, external: true}}
	seen := map[string]bool{target: true}
	var links, skipped []string
	for _, m := range members {
		if under(m.name, skipped) {
			continue
		}
		if excluded(m.name, x.Include, x.Exclude) {
			// An excluded directory takes its contents with it, as in
			// chezmoi, when there are exclude patterns.
			if m.mode.IsDir() && len(x.Exclude) > 0 {
				skipped = append(skipped, m.name)
			}
			continue
		}
		name := m.name
		if x.StripComponents > 0 {
			c := strings.Split(name, "/")
			if len(c) <= x.StripComponents {
				continue
			}
			name = path.Join(c[x.StripComponents:]...)
		}
		t := path.Join(target, name)
		if s.ignore.Ignored(t) {
			continue
		}
		if under(t, links) {
			return nil, fmt.Errorf("archive member %q lies below a symlink of the archive", m.name)
		}
		if seen[t] {
			continue
		}
		seen[t] = true
		s.known[t] = true
		e := &Entry{Target: t, Source: xf.source}
		tg := &Target{Path: t, Source: xf.source, Entry: e, external: true}
		switch {
		case m.mode.IsDir():
			e.IsDir = true
			e.Dir = DirAttrs{Exact: x.Exact, Private: m.mode.Perm()&0o077 == 0, ReadOnly: m.mode.Perm()&0o222 == 0}
			tg.Kind, tg.Perm, tg.Exact = KindDir, m.mode.Perm()&^umask, x.Exact
		case m.mode&fs.ModeSymlink != 0:
			e.File = FileAttrs{Type: FileSymlink}
			tg.Kind, tg.Link = KindSymlink, m.link
			links = append(links, t)
		default:
			e.File = FileAttrs{Executable: isExecutable(m.mode), Private: m.mode.Perm()&0o077 == 0, ReadOnly: m.mode.Perm()&0o222 == 0}
			tg.Kind, tg.Perm, tg.Contents, tg.size = KindFile, e.File.Perm()&^umask, m.contents, int64(len(m.contents))
		}
		out = append(out, tg)
	}
	// A member below a symlink that comes later in the archive is caught
	// here: nothing is written through a link the archive makes.
	for _, tg := range out {
		if under(tg.Path, links) {
			return nil, fmt.Errorf("archive member %q lies below a symlink of the archive", strings.TrimPrefix(tg.Path, target+"/"))
		}
	}
	return out, nil
}

// excluded applies an archive's include/exclude patterns as chezmoi
// does: an exclude wins; with only includes, anything else is excluded.
func excluded(name string, include, exclude []string) bool {
	for _, p := range exclude {
		if ok, _ := doublestar.Match(p, name); ok {
			return true
		}
	}
	for _, p := range include {
		if ok, _ := doublestar.Match(p, name); ok {
			return false
		}
	}
	return len(include) > 0 && len(exclude) == 0
}

// decompress undoes a file external's "decompress".
func decompress(b []byte, format string, limit int64) ([]byte, error) {
	var r io.Reader
	switch format {
	case "", "none":
		return b, nil
	case "gzip", "gz":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		r = zr
	case "bzip2", "bz2":
		r = bzip2.NewReader(bytes.NewReader(b))
	default:
		return nil, fmt.Errorf("decompress %q not supported", format)
	}
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("decompressed over the limit of %d bytes (dotfiles.max_file_size)", limit)
	}
	return out, nil
}

// ReasonExternal: a target brought by an external was edited in home.
const ReasonExternal = "external edited in home; it comes from a URL, change .chezmoiexternal instead"

// holdDuplicateTargets holds a target that an external and another entry
// (or two externals) both define, keeping the first.
func (s *SourceState) holdDuplicateTargets(ts []*Target) []*Target {
	out := ts[:0]
	for i, t := range ts {
		if i > 0 && ts[i-1].Path == t.Path {
			prev := out[len(out)-1]
			prev.Problem = fmt.Sprintf("both %s and %s define this target", prev.Source, t.Source)
			continue
		}
		out = append(out, t)
	}
	return out
}

// gitRepo is a git-repo external.
type gitRepo struct {
	target, source, url string
	refresh             time.Duration
}
