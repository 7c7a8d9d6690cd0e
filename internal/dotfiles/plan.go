package dotfiles

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// plan compares the source, the records and home. Apply and Capture each
// execute their half; Diff and Held only report.
type plan struct {
	st      *SourceState
	recs    *records
	targets []*Target
	apply   []*Change // changes to home
	capture []*Change // home edits to copy into the source
	held    []*Change // targets left alone, with reasons
	adopt   map[string]record
	// adoptBases are contents of adopted capturable targets, stored as
	// merge bases when the adoption is saved.
	adoptBases [][]byte
	drop       []string
	warnings   []string
	guard      *guard
	scripts    []*script // run_ scripts, in the order they run (scripts.go)
	realRoot   string    // the target dir with links resolved, once perform needs it
}

// makePlan plans one run. A problem with one entry (a template error, an
// oversized or unreadable file, a bad name, a refused target) holds that
// entry with the reason and plans the rest; a problem with the whole
// source holds everything. Only a cancelled context, bad Options or an
// unreadable state file are errors.
func makePlan(ctx context.Context, opts Options) (*plan, error) {
	st, err := Load(ctx, opts)
	if err != nil {
		return nil, err
	}
	recs, err := loadRecords(opts.StatePath)
	if err != nil {
		return nil, err
	}
	p := &plan{st: st, recs: recs, adopt: map[string]record{}, guard: newGuard(&st.opts)}
	if recs.warning != "" {
		p.warnings = append(p.warnings, recs.warning)
		st.opts.logger().Warn("dotfiles: " + recs.warning)
	}
	if w := st.whole; w != nil {
		// Every record is kept: nothing is known to be gone.
		p.held = append(p.held, &Change{Target: w.Target, Source: w.Source, Action: ActHold, Reason: w.Reason})
		return p, nil
	}
	for _, b := range st.broken {
		p.held = append(p.held, &Change{Target: b.Target, Source: b.Source, Action: ActHold, Reason: b.Reason})
	}
	all, err := st.Targets()
	if err != nil {
		return nil, err
	}
	targets := make([]*Target, 0, len(all))
	for _, t := range all {
		if st.opts.selected(t.Path) {
			targets = append(targets, t)
		}
	}
	p.targets = targets
	p.shareStrings()
	p.warnings = append(p.warnings, st.externalWarnings...)
	// Held without a look at home: what cannot be planned, or must not be
	// written.
	early := make([]string, len(targets))
	for i, t := range targets {
		switch {
		case t.Problem != "":
			early[i] = t.Problem
		default:
			early[i] = p.guard.refuse(t.Path)
		}
	}
	// Read home for every other target first, overlapping the reads.
	limit := st.opts.maxFileSize()
	acts := make([]actual, len(targets))
	actErrs := make([]error, len(targets))
	parallel(len(targets), func(i int) {
		if early[i] == "" && !targets[i].unknown {
			acts[i], actErrs[i] = readActualLimit(p.abs(targets[i].Path), limit)
			if t := targets[i]; acts[i].sum != "" && acts[i].sum == t.hash {
				acts[i].sum = t.hash // one copy of the hash, not two
			}
		}
	})
	desired := map[string]bool{}
	var heldDirs []string
	for i, t := range targets {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		desired[t.Path] = true
		a := acts[i]
		reason := early[i]
		switch {
		case t.unknown:
			continue
		case under(t.Path, heldDirs):
			reason = ReasonParentHeld
		case reason != "":
		case actErrs[i] != nil:
			reason = "cannot read home: " + actErrs[i].Error()
		case a.kind == KindFile && a.size > limit && !t.Create:
			reason = fmt.Sprintf("home file is %d bytes, over the limit of %d (dotfiles.max_file_size)", a.size, limit)
		}
		if reason != "" {
			p.hold(t, a, reason)
			if t.Kind == KindDir {
				heldDirs = append(heldDirs, t.Path)
			}
			continue
		}
		nApply := len(p.apply)
		switch t.Kind {
		case KindDir:
			if !p.planDir(t, a) {
				heldDirs = append(heldDirs, t.Path)
			}
		default:
			p.planLeaf(t, a)
		}
		if co := t.Entry.captureOnly; co != "" {
			for _, c := range p.apply[nApply:] {
				c.Action, c.Reason, c.NewMode = ActHold, co, ""
				p.held = append(p.held, c)
			}
			p.apply = p.apply[:nApply]
			delete(p.adopt, t.Path)
		}
	}
	p.scripts = st.planScripts()
	p.held = append(p.held, scriptHolds(p.scripts)...)
	p.planRemovals(desired, heldDirs)
	for name := range recs.targets {
		// Records below a held directory stay: its subtree is unknown.
		if !desired[name] && st.opts.selected(name) && !under(name, heldDirs) {
			p.drop = append(p.drop, name)
		}
	}
	slices.Sort(p.drop)
	return p, nil
}

// shareStrings makes a target and its record share one copy of the hash
// and source path where they agree, as they do for nearly every target of
// a round that finds nothing to do: for 50,000 targets the copies decoded
// from the state file were megabytes.
func (p *plan) shareStrings() {
	for _, t := range p.targets {
		rec, ok := p.recs.targets[t.Path]
		if !ok {
			continue
		}
		if t.hash != "" && rec.SHA256 == t.hash {
			t.hash = rec.SHA256
		}
		if rec.Source == t.Source {
			rec.Source = t.Source
			p.recs.targets[t.Path] = rec
		}
	}
}

func (p *plan) abs(target string) string {
	return filepath.Join(p.st.opts.TargetDir, filepath.FromSlash(target))
}

// under reports whether target lies below one of dirs.
func under(target string, dirs []string) bool {
	for _, d := range dirs {
		if strings.HasPrefix(target, d+"/") {
			return true
		}
	}
	return false
}

func (p *plan) add(list *[]*Change, t *Target, a actual, act Action, reason string) *Change {
	// A plain file's contents are read when it is written (execApply), not
	// here: a first apply would otherwise hold every file in memory at once.
	c := &Change{Target: t.Path, Source: t.Source, Action: act, Kind: t.Kind, Reason: reason, Sensitive: t.Sensitive, t: t, act: &absent}
	if a.exists {
		c.act = &a
	}
	if a.exists && a.kind != KindSymlink && (t.Kind != KindSymlink) {
		c.OldMode = modeString(a.perm)
	}
	if t.Kind != KindSymlink && act != ActRemove && act != ActHold {
		c.NewMode = modeString(t.Perm)
	}
	if act == ActWrite && a.kind == KindFile {
		// Diff shows what the write replaces; a failed read only costs
		// that diff (apply re-reads before writing anyway).
		_ = c.act.load(p.abs(t.Path), p.st.opts.maxFileSize())
	}
	*list = append(*list, c)
	return c
}

func (p *plan) hold(t *Target, a actual, reason string) {
	p.add(&p.held, t, a, ActHold, reason)
}

// planDir plans a directory; false means it is held (its subtree too).
func (p *plan) planDir(t *Target, a actual) bool {
	switch {
	case !a.exists:
		p.add(&p.apply, t, a, ActMkdir, "")
		return true
	case a.kind != KindDir && p.replaceable(t.Path, a):
		// What hearth wrote there, a file the source made a directory (a
		// file/directory conflict the directory won: the file's version is
		// a sidecar): replaced, as a changed file would be.
		p.add(&p.apply, t, a, ActMkdir, ReasonReplacesFile)
	case a.kind != KindDir:
		p.hold(t, a, ReasonNotDirectory)
		return false
	case a.perm != t.Perm:
		p.add(&p.apply, t, a, ActChmod, "")
	}
	if t.Exact {
		p.planExact(t)
	}
	return true
}

// planExact removes entries of an exact_ dir the source does not name and
// .chezmoiignore does not protect.
func (p *plan) planExact(t *Target) {
	ents, err := os.ReadDir(p.abs(t.Path))
	if err != nil {
		p.warnings = append(p.warnings, fmt.Sprintf("exact %s: %v", t.Path, err))
		return
	}
	for _, e := range ents {
		child := path.Join(t.Path, e.Name())
		if p.st.known[child] || p.st.Ignored(child) || p.guard.touches(child) {
			continue
		}
		ct := &Target{Path: child, Source: t.Source, Kind: kindOf(e.Type()), Sensitive: t.Sensitive}
		a := actual{exists: true, kind: ct.Kind}
		if fi, err := e.Info(); err == nil {
			a.perm = fi.Mode().Perm()
		}
		p.add(&p.apply, ct, a, ActRemove, "not in exact_ directory "+t.Source)
	}
}

func kindOf(m os.FileMode) Kind {
	switch {
	case m.IsDir():
		return KindDir
	case m&os.ModeSymlink != 0:
		return KindSymlink
	}
	return KindFile
}

// planLeaf plans a file or symlink target.
func (p *plan) planLeaf(t *Target, a actual) {
	rec, hasRec := p.recs.targets[t.Path]
	force := p.st.opts.Force
	if t.modify {
		p.planModify(t, a, hasRec)
		return
	}
	switch {
	case t.Create:
		// create_ targets belong to home once created: no record, no capture.
		if hasRec {
			p.drop = append(p.drop, t.Path)
		}
		if !a.exists && !t.Absent {
			p.add(&p.apply, t, a, ActWrite, "create_ target missing")
		}
		return
	case t.Absent:
		if !a.exists {
			if hasRec {
				p.drop = append(p.drop, t.Path)
			}
			return
		}
		switch {
		case a.kind == KindDir:
			p.hold(t, a, ReasonTypeChanged)
		case (hasRec && a.matchesRecord(rec)) || (a.kind == KindFile && a.size == 0) || force:
			p.add(&p.apply, t, a, ActRemove, "source renders empty")
		case hasRec:
			p.hold(t, a, ReasonEdited)
		default:
			p.hold(t, a, ReasonPreexisting)
		}
		return
	}
	write := ActWrite
	if t.Kind == KindSymlink {
		write = ActSymlink
	}
	switch {
	case a.matchesTarget(t):
		if r := targetRecord(t); !hasRec || rec != r {
			p.adopt[t.Path] = r
			// Without the base a later edit on both sides is held
			// instead of merged: nothing is lost when the read fails.
			if keepsBase(t) && p.st.load(t) == nil {
				p.adoptBases = append(p.adoptBases, t.Contents)
			}
		}
	case !a.exists:
		if hasRec && !force {
			p.hold(t, a, ReasonDeleted)
			return
		}
		p.add(&p.apply, t, a, write, "")
	case a.kind == KindDir && p.replaceable(t.Path, a):
		// A directory holding only what hearth wrote, now a file or link
		// in the source: replaced.
		p.add(&p.apply, t, a, write, ReasonReplacesDir)
	case a.kind == KindDir:
		p.hold(t, a, ReasonTypeChanged)
	case hasRec && a.matchesRecord(rec):
		if t.Kind == KindFile && a.kind == KindFile && a.sum == t.sum() {
			p.add(&p.apply, t, a, ActChmod, "")
			return
		}
		p.add(&p.apply, t, a, write, "")
	case p.writeWasTorn(t, a): // see pending.go
		p.add(&p.apply, t, a, write, ReasonTorn)
	case force:
		p.add(&p.apply, t, a, write, "forced")
	case !hasRec && t.Kind == KindFile && a.kind == KindFile && a.size == t.size && a.sum == t.sum():
		// What the source renders, in another mode: no content of the
		// user's is at stake (a kill between a write and its record, or a
		// target that left the source and came back), so it is adopted
		// and given the source's mode instead of held for good.
		if capturable(t) && p.st.load(t) == nil {
			p.adoptBases = append(p.adoptBases, t.Contents)
		}
		p.add(&p.apply, t, a, ActChmod, "adopted: same content as the source")
	case !hasRec:
		p.hold(t, a, ReasonPreexisting)
	default:
		p.planEdit(t, a, rec)
	}
}

// planEdit classifies a home edit: plain files are captured, the rest held.
func (p *plan) planEdit(t *Target, a actual, rec record) {
	f := t.Entry.File
	switch {
	case t.Entry.external:
		p.hold(t, a, ReasonExternalDir)
	case t.external:
		p.hold(t, a, ReasonExternal)
	case t.Kind == KindSymlink:
		p.hold(t, a, ReasonSymlink)
	case a.kind != KindFile:
		p.hold(t, a, ReasonTypeChanged)
	case f.Template:
		p.hold(t, a, ReasonTemplate)
	case f.Encrypted:
		p.hold(t, a, ReasonEncrypted)
	case t.Entry.from != "":
		p.hold(t, a, ReasonSourceLink)
	default:
		p.planCapture(t, a, rec)
	}
}

// planCapture plans taking a home edit of a plain file into the source,
// merging with a source change when there is one.
func (p *plan) planCapture(t *Target, a actual, rec record) {
	if err := a.load(p.abs(t.Path), p.st.opts.maxFileSize()); err != nil {
		p.hold(t, a, "cannot read home edit: "+err.Error())
		return
	}
	if reason := credentialReason(t.Path, a.contents); reason != "" {
		p.hold(t, a, reason)
		return
	}
	if err := p.st.load(t); err != nil {
		p.hold(t, a, err.Error())
		return
	}
	switch {
	case t.sum() != rec.SHA256 || t.Perm != rec.Mode:
		// The source moved too (a merge the last apply could not bring
		// home, or a hand edit): copying home over it would lose the
		// source's change, so merge both against what hearth last wrote.
		merged, ok := p.mergeBoth(t, a, rec)
		if !ok && p.st.opts.KeepBothOnOverlap {
			c := p.captureChange(t, a, rec, ReasonOverlapTaken)
			c.displaced = t.Contents
			return
		}
		if !ok {
			p.hold(t, a, ReasonBothChanged)
			return
		}
		c := p.captureChange(t, a, rec, ReasonMerged)
		c.merged = merged
	default:
		p.captureChange(t, a, rec, ReasonEdited)
	}
}

func (p *plan) captureChange(t *Target, a actual, rec record, reason string) *Change {
	c := p.add(&p.capture, t, a, ActCapture, reason)
	c.OldMode, c.NewMode = modeString(rec.Mode), modeString(a.perm)
	c.NewSource = p.renamedSource(t, a, a.perm != rec.Mode)
	return c
}

// mergeBoth merges the home and source edits of t against the content
// hearth last wrote there.
func (p *plan) mergeBoth(t *Target, a actual, rec record) ([]byte, bool) {
	base, ok := p.recs.base(rec.SHA256)
	if !ok {
		return nil, false
	}
	return mergeHomeEdit(t.Path, base, a.contents, t.Contents)
}

// renamedSource is the source path after turning a home mode change into
// attributes (executable_, private_, readonly_) and an emptied file into
// empty_, or "" when the name stays.
func (p *plan) renamedSource(t *Target, a actual, modeChanged bool) string {
	attrs := t.Entry.File
	if modeChanged {
		attrs.Executable = a.perm&0o111 != 0
		attrs.Private = a.perm&0o077 == 0
		attrs.ReadOnly = a.perm&0o222 == 0
	}
	if a.size == 0 || blank(a.contents) {
		attrs.Empty = true
	}
	name := attrs.SourceName()
	if name == path.Base(t.Source) {
		return ""
	}
	return path.Join(path.Dir(t.Source), name)
}
