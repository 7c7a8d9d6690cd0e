package dotfiles

import (
	"context"
	"path/filepath"
	"testing"
)

func TestPassReusesCapturePlanOnlyWhileTheSourceIsUnchanged(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "")
	writeFile(t, filepath.Join(f.src, "dot_a"), "a1\n", 0o644)
	mustApply(t, f.opts)

	// Nothing to capture; the plan writes the new dot_b. A home edit made
	// after the plan was read (b created in home) is held, not overwritten.
	writeFile(t, filepath.Join(f.src, "dot_b"), "b from source\n", 0o644)
	pass := NewPass(f.opts)
	if rep, err := pass.Capture(ctx); err != nil || len(rep.Captured) != 0 {
		t.Fatalf("capture = %+v, %v; want nothing captured", rep, err)
	}
	writeFile(t, filepath.Join(f.home, ".b"), "b made in home meanwhile\n", 0o644)
	rep, err := pass.Apply(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(f.home, ".b")); got != "b made in home meanwhile\n" {
		t.Errorf("home edit made between capture and apply was overwritten: %q", got)
	}
	if len(rep.Held) != 1 || rep.Held[0].Target != ".b" || rep.Held[0].Reason != ReasonRaced {
		t.Errorf("held = %v, want .b held as raced", rep.Held)
	}

	// A source changed after Capture (a merge) is planned again.
	pass = NewPass(f.opts)
	if _, err := pass.Capture(ctx); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(f.src, "dot_a"), "a2 from a merge\n", 0o644)
	if _, err := pass.Apply(ctx, true); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(f.home, ".a")); got != "a2 from a merge\n" {
		t.Errorf("apply after a source change wrote %q, want the new source", got)
	}

	// After a capture, the captured target is neither written nor held.
	writeFile(t, filepath.Join(f.home, ".a"), "a3 edited in home\n", 0o644)
	pass = NewPass(f.opts)
	if rep, err := pass.Capture(ctx); err != nil || len(rep.Captured) != 1 {
		t.Fatalf("capture = %+v, %v; want .a captured", rep, err)
	}
	rep, err = pass.Apply(ctx, false)
	if err != nil || rep.Writes != 0 {
		t.Fatalf("apply after a capture = %+v, %v; want nothing written", rep, err)
	}
	for _, h := range rep.Held {
		if h.Target == ".a" {
			t.Errorf("apply after a capture held .a (%s); it was captured", h.Reason)
		}
	}

	// A capture that merged home's and the source's edits leaves a source
	// that differs from home: Apply must plan again and bring it home.
	base := "1\n2\n3\n4\n5\n6\n7\n"
	writeFile(t, filepath.Join(f.src, "dot_m"), base, 0o644)
	mustApply(t, f.opts)
	writeFile(t, filepath.Join(f.src, "dot_m"), "ONE\n2\n3\n4\n5\n6\n7\n", 0o644) // a synced edit
	writeFile(t, filepath.Join(f.home, ".m"), "1\n2\n3\n4\n5\n6\nSEVEN\n", 0o644) // and a home edit
	pass = NewPass(f.opts)
	if rep, err := pass.Capture(ctx); err != nil || len(rep.Captured) != 1 {
		t.Fatalf("capture = %+v, %v; want .m merged", rep, err)
	}
	if _, err := pass.Apply(ctx, false); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(f.home, ".m")); got != "ONE\n2\n3\n4\n5\n6\nSEVEN\n" {
		t.Errorf("home after a merging capture and apply = %q, want both edits", got)
	}
	if got := readFile(t, filepath.Join(f.src, "dot_a")); got != "a3 edited in home\n" {
		t.Errorf("source after capture = %q", got)
	}
}

// A template that includes a captured file renders the captured content in
// the same round.
func TestPassTemplateIncludingCapturedFile(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "")
	writeFile(t, filepath.Join(f.src, "dot_a"), "a1\n", 0o644)
	writeFile(t, filepath.Join(f.src, "dot_profile.tmpl"), "{{ include \"dot_a\" }}", 0o644)
	mustApply(t, f.opts)
	writeFile(t, filepath.Join(f.home, ".a"), "a2 edited in home\n", 0o644)
	pass := NewPass(f.opts)
	if rep, err := pass.Capture(ctx); err != nil || len(rep.Captured) != 1 {
		t.Fatalf("capture = %+v, %v", rep, err)
	}
	if _, err := pass.Apply(ctx, false); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(f.home, ".profile")); got != "a2 edited in home\n" {
		t.Errorf(".profile = %q, want the captured content", got)
	}
}

// A run killed after a capture wrote the source but before it saved its
// records leaves home equal to the source and the record stale. The next
// capture records that (as apply would), so when a merge then changes the
// source, apply updates home instead of holding it as edited on both sides.
func TestCaptureRecordsHomeThatEqualsSource(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "")
	writeFile(t, filepath.Join(f.src, "dot_s"), "1\n2\n3\n", 0o644)
	mustApply(t, f.opts)
	writeFile(t, filepath.Join(f.home, ".s"), "1\n2\n3\nTOK\n", 0o644)
	writeFile(t, filepath.Join(f.src, "dot_s"), "1\n2\n3\nTOK\n", 0o644) // the killed capture's write
	pass := NewPass(f.opts)
	if rep, err := pass.Capture(ctx); err != nil || len(rep.Captured) != 0 {
		t.Fatalf("capture = %+v, %v; want nothing to capture", rep, err)
	}
	writeFile(t, filepath.Join(f.src, "dot_s"), "ONE\n2\n3\n", 0o644) // a merge settled it
	rep, err := pass.Apply(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Held) != 0 {
		t.Errorf("held: %v", rep.Held)
	}
	if got := readFile(t, filepath.Join(f.home, ".s")); got != "ONE\n2\n3\n" {
		t.Errorf("home = %q, want the merged source", got)
	}
}
