package dotfiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"

	"github.com/hearth-fleet/hearth/internal/termsafe"
)

// A modify_ entry computes its target from what home holds now. Its
// source is either a script (run with home's content on stdin; what it
// prints is the new content) or, when it contains chezmoi:modify-template,
// a template rendered with that content as .chezmoi.stdin. A blank source
// leaves home as it is, a blank result removes the target, as in chezmoi.
// The result replaces home whatever hearth last wrote there: the home
// edit was the script's input. Capture never takes a modify_ target into
// the source (chezmoi re-adds none either).

// modifyTemplateLine matches a whole line holding the marker, which
// chezmoi removes before parsing the rest as a template.
var modifyTemplateLine = regexp.MustCompile(`(?m)^.*chezmoi:modify-template.*$(?:\r?\n)?`)

// modifyTarget computes the target of a modify_ entry from its source b.
func (s *SourceState) modifyTarget(e *Entry, b []byte, dec *decrypter, umask fs.FileMode) (*Target, error) {
	if e.captureOnly != "" {
		// Apply holds it anyway: its script must not run.
		return nil, errString(e.captureOnly)
	}
	if s.modifyGuard == nil {
		s.modifyGuard = newGuard(&s.opts)
	}
	if r := s.modifyGuard.refuse(e.Target); r != "" {
		// Neither read into a script nor written.
		return nil, errString(r)
	}
	a := e.File
	t := &Target{
		Path: e.Target, Source: e.Source, Entry: e, Kind: KindFile, Perm: a.Perm() &^ umask,
		Template: a.Template, Encrypted: a.Encrypted, Sensitive: a.Encrypted || a.Private, modify: true,
	}
	var err error
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
		b, t.Sensitive = out, t.Sensitive || sensitive
	}
	abs := filepath.Join(s.opts.TargetDir, filepath.FromSlash(e.Target))
	limit := s.opts.maxFileSize()
	cur, err := readActualLimit(abs, limit)
	if err != nil {
		return nil, err
	}
	switch {
	case !cur.exists:
	case cur.kind != KindFile:
		return nil, fmt.Errorf("modify_ %s: home holds a %s, not a file", e.Source, kindName(cur.kind))
	case cur.size > limit:
		return nil, fmt.Errorf("home file is %d bytes, over the limit of %d (dotfiles.max_file_size)", cur.size, limit)
	default:
		if err := cur.load(abs, limit); err != nil {
			return nil, err
		}
	}
	t.modifyInput = cur.sum
	var out []byte
	switch {
	case blank(b):
		out = cur.contents
	case modifyTemplateLine.Match(b):
		text := modifyTemplateLine.ReplaceAll(b, nil)
		s.r.extra = map[string]any{"stdin": string(cur.contents)}
		out, _, err = s.r.render(e.Source, e.Target, text)
		s.r.extra = nil
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", e.Source, err)
		}
	default:
		if out, err = s.runModifyScript(e, b, cur.contents); err != nil {
			return nil, err
		}
	}
	t.Contents, t.size = out, int64(len(out))
	t.Absent = blank(out)
	return t, nil
}

// runModifyScript runs the script form of a modify_ entry.
func (s *SourceState) runModifyScript(e *Entry, body, stdin []byte) ([]byte, error) {
	switch s.opts.Scripts {
	case ScriptsOff:
		return nil, fmt.Errorf("modify_ script %s not run: dotfiles.scripts = false", e.Source)
	case ScriptsSkip:
		return nil, errCommandSkipped
	}
	if s.opts.TemplateCommands == CommandsSkip {
		return nil, errCommandSkipped
	}
	if stdin == nil {
		stdin = []byte{}
	}
	out, err := s.opts.runScript(s.ctx, scriptRun{
		name:    path.Base(e.Target),
		body:    body,
		dir:     scriptDir(s.opts.TargetDir, e.Target),
		stdin:   stdin,
		env:     append(s.chezmoiEnv(), "CHEZMOI_SOURCE_FILE="+s.relToRoot(e.Source)),
		timeout: s.opts.outputTimeout(),
		limit:   s.opts.maxFileSize(),
	})
	if len(out.stderr) > 0 {
		s.opts.logger().Info("dotfiles: modify_ script stderr", "source", e.Source, "stderr", termsafe.Text(string(out.stderr)))
	}
	if err != nil {
		if errors.Is(err, errScriptAsRoot) {
			return nil, fmt.Errorf("modify_ script %s not run: %w", e.Source, err)
		}
		return nil, fmt.Errorf("modify_ script %s failed: %s", e.Source, out.describe(err))
	}
	return out.stdout, nil
}

// relToRoot names a work-tree path relative to the source root, as
// chezmoi's CHEZMOI_SOURCE_FILE and .chezmoi.sourceFile do.
func (s *SourceState) relToRoot(src string) string {
	rel, err := filepath.Rel(s.root, filepath.Join(s.opts.SourceDir, filepath.FromSlash(src)))
	if err != nil {
		return src
	}
	return filepath.ToSlash(rel)
}

// planModify plans a modify_ target: home gets the computed content
// unless it changed since the script read it.
func (p *plan) planModify(t *Target, a actual, hasRec bool) {
	switch {
	case a.kind == KindDir || (a.exists && a.kind != KindFile):
		p.hold(t, a, ReasonTypeChanged)
	case a.sum != t.modifyInput:
		p.hold(t, a, ReasonRaced)
	case t.Absent && !a.exists:
		if hasRec {
			p.drop = append(p.drop, t.Path)
		}
	case t.Absent:
		p.add(&p.apply, t, a, ActRemove, "modify_ result is empty")
	case a.matchesTarget(t):
		if rec, ok := p.recs.targets[t.Path]; !ok || rec != targetRecord(t) {
			p.adopt[t.Path] = targetRecord(t)
		}
	default:
		p.add(&p.apply, t, a, ActWrite, ReasonModified)
	}
}

// ReasonModified: a modify_ entry's result, written over home's content
// (which was its input).
const ReasonModified = "modify_ result"

// scriptDir is the directory a script for target runs in: the target's
// parent in home, or the nearest existing one up to home itself.
func scriptDir(home, target string) string {
	dir := filepath.Join(home, filepath.FromSlash(path.Dir(target)))
	for dir != home && len(dir) > len(home) {
		if fi, err := os.Lstat(dir); err == nil && fi.IsDir() {
			return dir
		}
		dir = filepath.Dir(dir)
	}
	return home
}

func kindName(k Kind) string {
	if k == "" {
		return "special file"
	}
	return string(k)
}
