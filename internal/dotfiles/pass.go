package dotfiles

import "context"

// Pass is a Capture followed by an Apply over the same source, as a sync
// round runs them. When the caller says the source did not change after
// Capture, and Capture took nothing or only copied home files over their
// sources, Apply reuses Capture's plan instead of rendering every template
// and reading every source and home file a second time.
// Apply still re-reads each target it is about to change, so a home edit
// made in between is held, as with a fresh plan.
type Pass struct {
	opts Options
	plan *plan // Capture's plan, while it still describes the source
}

// NewPass starts a pass with opts; Capture and Apply both use them, except
// that Capture honours KeepBothOnOverlap (which only changes what Capture
// does with overlapping edits, never what Apply writes).
func NewPass(opts Options) *Pass { return &Pass{opts: opts} }

// Capture is the package-level Capture, keeping its plan for Apply.
func (s *Pass) Capture(ctx context.Context) (*CaptureReport, error) {
	p, err := makePlan(ctx, s.opts)
	if err != nil {
		return nil, err
	}
	rep, err := p.execCapture(ctx)
	if err == nil && plainCaptures(rep.Captured) {
		// Each captured source now holds exactly what home holds, so
		// those targets need nothing more, and the rest of the plan stands.
		p.capture = nil
		s.plan = p
	}
	return rep, err
}

// plainCaptures reports whether every capture copied home's content over
// its source file unchanged: no merge, no rename, no displaced version.
func plainCaptures(cs []*Change) bool {
	for _, c := range cs {
		if c.merged != nil || c.NewSource != "" || c.displaced != nil {
			return false
		}
	}
	return true
}

// Apply is the package-level Apply. sourceChanged says the source may
// differ from what Capture read (a merge or checkout ran since); a changed
// source is always planned again.
func (s *Pass) Apply(ctx context.Context, sourceChanged bool) (*ApplyReport, error) {
	p := s.plan
	s.plan = nil
	if p == nil || sourceChanged {
		var err error
		opts := s.opts
		opts.KeepBothOnOverlap = false
		if p, err = makePlan(ctx, opts); err != nil {
			return nil, err
		}
	}
	return p.execApply(ctx)
}
