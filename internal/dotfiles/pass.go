package dotfiles

import "context"

// Pass is a Capture followed by an Apply over the same source, as a sync
// round runs them. When Capture took nothing and the caller says the
// source did not change since, Apply reuses Capture's plan instead of
// rendering every template and reading every source and home file a second
// time. After any capture the source changed (and a template may include
// a captured file), so Apply plans again.
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
	if err == nil && len(rep.Captured) == 0 {
		s.plan = p
	}
	return rep, err
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
