package dotfiles

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hearth-fleet/hearth/internal/textdiff"
)

// DiffReport is what Apply would change in home and what Capture would take
// into the source, with unified diffs, plus held and unsupported entries.
type DiffReport struct {
	Apply       []*Change     `json:"apply"`
	Capture     []*Change     `json:"capture"`
	Held        []*Change     `json:"held"`
	Unsupported []Unsupported `json:"unsupported"`
	Warnings    []string      `json:"warnings,omitempty"`
}

// Diff plans without changing anything. Contents of sensitive targets
// (encrypted, private_, fed by absolute includes or commands) are never
// shown, only that they differ.
func Diff(ctx context.Context, opts Options) (*DiffReport, error) {
	p, err := makePlan(ctx, opts)
	if err != nil {
		return nil, err
	}
	// Planning only hashed plain files; a write's diff needs the contents,
	// and one that cannot be read is held, as Apply would hold it.
	apply := p.apply[:0:0]
	for _, c := range p.apply {
		if c.Action == ActWrite && c.Kind == KindFile {
			if err := p.st.load(c.t); err != nil {
				c.Action, c.Reason, c.NewMode = ActHold, err.Error(), ""
				p.held = append(p.held, c)
				continue
			}
		}
		apply = append(apply, c)
	}
	p.apply = apply
	rep := &DiffReport{Apply: p.apply, Capture: p.capture, Held: p.held,
		Unsupported: p.st.Unsupported(), Warnings: p.warnings}
	for _, c := range p.apply {
		c.Diff = applyDiff(c)
	}
	for _, c := range p.held {
		// Planning only hashed both sides; the diff needs their contents
		// (a failed read costs only this diff).
		if c.t != nil && c.t.Kind == KindFile && c.t.Problem == "" {
			_ = p.st.load(c.t)
			_ = c.act.load(p.abs(c.Target), p.st.opts.maxFileSize())
		}
		c.Diff = heldDiff(c, filepath.Join(p.st.opts.SourceDir, filepath.FromSlash(c.Source)))
	}
	for _, c := range p.capture {
		src, err := p.st.work.ReadFile(c.Source, p.st.opts.maxFileSize())
		if err != nil {
			return nil, fmt.Errorf("read source %s: %w", c.Source, err)
		}
		c.Diff = contentDiff(c, "a/"+c.Source, "b/"+pick(c.NewSource, c.Source), src, c.sourceContent())
	}
	return rep, nil
}

// Held lists the targets that are held right now, with reasons, for status.
// Home edits that Capture would take are not included.
func Held(ctx context.Context, opts Options) ([]*Change, error) {
	p, err := makePlan(ctx, opts)
	if err != nil {
		return nil, err
	}
	return p.held, nil
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// applyDiff renders one apply change as a unified diff of home.
func applyDiff(c *Change) string {
	a, t := c.act, c.t
	label := c.Target
	switch c.Action {
	case ActMkdir:
		return fmt.Sprintf("mkdir %s (mode %s)\n", label, c.NewMode)
	case ActChmod:
		return fmt.Sprintf("chmod %s %s -> %s\n", label, c.OldMode, c.NewMode)
	case ActRemove:
		return fmt.Sprintf("remove %s\n", label)
	case ActSymlink:
		old := ""
		if a.kind == KindSymlink {
			old = a.link + "\n"
		}
		return textdiff.Unified("a/"+label, "b/"+label, []byte(old), []byte(t.Link+"\n"))
	}
	var old []byte
	from := "a/" + label
	if !a.exists {
		from = "/dev/null"
	} else {
		old = a.contents
	}
	s := contentDiff(c, from, "b/"+label, old, t.Contents)
	if a.exists && c.OldMode != c.NewMode {
		s = fmt.Sprintf("chmod %s %s -> %s\n", label, c.OldMode, c.NewMode) + s
	}
	return s
}

// heldDiff shows what apply --force would do to a held target (a diff
// from home to what the source renders) and names the source file to edit
// to keep home's version instead.
func heldDiff(c *Change, sourceAbs string) string {
	t, a := c.t, c.act
	if t == nil || c.Reason == ReasonParentHeld || c.Source == "" {
		return ""
	}
	s := fmt.Sprintf("# source of %s: %s\n", c.Target, sourceAbs)
	if t.Problem != "" {
		return s // nothing rendered to compare with
	}
	label := c.Target
	switch {
	case t.Kind == KindFile && (a.kind == KindFile || !a.exists):
		from := "a/" + label
		if !a.exists {
			from = "/dev/null"
		}
		s += contentDiff(c, from, "b/"+label, a.contents, t.Contents)
	case t.Kind == KindSymlink && a.kind == KindSymlink:
		s += textdiff.Unified("a/"+label, "b/"+label, []byte(a.link+"\n"), []byte(t.Link+"\n"))
	case a.exists && a.kind != t.Kind:
		s += fmt.Sprintf("# home has a %s, the source a %s\n", pick(string(a.kind), "special file"), t.Kind)
	}
	return s
}

// contentDiff is a unified diff, or a line saying sensitive contents differ.
func contentDiff(c *Change, from, to string, old, new []byte) string {
	if c.Sensitive {
		if string(old) == string(new) {
			return ""
		}
		return fmt.Sprintf("%s: contents differ (hidden: may hold secrets; %d -> %d bytes)\n", c.Target, len(old), len(new))
	}
	return textdiff.Unified(from, to, old, new)
}

// Unified renders the report as text: apply diffs, capture diffs, held
// targets and unsupported entries.
func (r *DiffReport) Unified() string {
	var b strings.Builder
	for _, c := range r.Apply {
		b.WriteString(c.Diff)
	}
	for _, c := range r.Capture {
		fmt.Fprintf(&b, "# capture %s into %s", c.Target, c.Source)
		if c.NewSource != "" {
			fmt.Fprintf(&b, " (renamed %s)", c.NewSource)
		}
		b.WriteString("\n")
		b.WriteString(c.Diff)
	}
	for _, c := range r.Held {
		fmt.Fprintf(&b, "# held %s: %s\n", c.Target, c.Reason)
		b.WriteString(c.Diff)
	}
	for _, u := range r.Unsupported {
		fmt.Fprintf(&b, "# unsupported %s: %s\n", u.Source, u.Reason)
	}
	return b.String()
}
