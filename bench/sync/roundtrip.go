package main

import (
	"context"
	"fmt"
	"path/filepath"
)

// pair is one comparison: hearth and the plain git doing the same work,
// measured alternately in the same run.
type pair struct {
	what      string
	transport string
	baseline  string
	aim       float64 // the aim for hearth/baseline; 0: none
	hearth    series
	git       series
	hearthKB  []float64 // peak memory samples, KB
	gitKB     []float64
	// noFetch counts measured hearth rounds that read a local-path
	// remote's branch instead of fetching (sync.fetch_skipped).
	noFetch int
}

// plainSequence is what a shell pipeline runs per round in a plain clone.
const plainSequence = "git add -A && git commit -m x && git pull --rebase && git push"

// roundTrips measures the no-op round and the one-edit round over one
// transport. hearth and the plain clone have remotes of their own, seeded
// identically, so neither sees the other's pushes.
func (b *bench) roundTrips(ctx context.Context, transport string, runs, warmup int) ([]*pair, error) {
	hRemote, pRemote := "rt-hearth-"+transport, "rt-plain-"+transport
	for _, r := range []string{hRemote, pRemote} {
		if err := b.newRemote(ctx, r); err != nil {
			return nil, err
		}
	}
	hURL, err := b.url(transport, hRemote)
	if err != nil {
		return nil, err
	}
	pURL, err := b.url(transport, pRemote)
	if err != nil {
		return nil, err
	}
	h, err := b.newHost(ctx, "rt-"+transport, hURL)
	if err != nil {
		return nil, err
	}
	plain := filepath.Join(b.work, "plain-"+transport)
	if _, err := b.git(ctx, "", "clone", "--quiet", pURL, plain); err != nil {
		return nil, err
	}

	noop := &pair{what: "no-op round", transport: transport, baseline: "git fetch", aim: 1.5}
	edit := &pair{what: "one edited file", transport: transport, baseline: "add+commit+pull --rebase+push", aim: 1.5}
	for i := -warmup; i < runs; i++ {
		// Alternate who goes first so that neither always runs on a
		// cache warmed, or a CPU heated, by the other.
		steps := []func() error{
			func() error { return b.noopHearth(ctx, h, noop, i >= 0) },
			func() error { return b.noopGit(ctx, plain, noop, i >= 0) },
			func() error { return b.editHearth(ctx, h, hRemote, i, edit, i >= 0) },
			func() error { return b.editGit(ctx, plain, pRemote, i, edit, i >= 0) },
		}
		if i%2 != 0 {
			steps[0], steps[1], steps[2], steps[3] = steps[1], steps[0], steps[3], steps[2]
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return nil, err
			}
		}
	}
	if b.timeBin != "" {
		if err := b.memoryRounds(ctx, h, hRemote, plain, pRemote, runs, noop, edit); err != nil {
			return nil, err
		}
	}
	if b.strace != "" {
		if err := b.traceRound(ctx, transport, h, hRemote, plain, pRemote, runs); err != nil {
			return nil, err
		}
	}
	return []*pair{noop, edit}, nil
}

// traceRound runs each of the four measured commands once more under
// strace, to count the processes a round spawns and where its time goes.
func (b *bench) traceRound(ctx context.Context, transport string, h *host, hRemote, plain, pRemote string, i int) error {
	i += memRuns + 1 // edits not made before
	steps := []struct {
		label string
		step  func() error
	}{
		{"hearth no-op round", func() error { return b.noopHearth(ctx, h, nil, false) }},
		{"git fetch", func() error { return b.noopGit(ctx, plain, nil, false) }},
		{"hearth one-edit round", func() error { return b.editHearth(ctx, h, hRemote, i, nil, false) }},
		{"add+commit+pull --rebase+push", func() error { return b.editGit(ctx, plain, pRemote, i, nil, false) }},
	}
	for _, s := range steps {
		t, err := b.traced(s.label+" ("+transport+")", s.step)
		if err != nil {
			return err
		}
		b.traces = append(b.traces, t)
	}
	return nil
}

func (b *bench) noopHearth(ctx context.Context, h *host, p *pair, keep bool) error {
	s, out, err := h.sync(ctx, b)
	if err != nil {
		return err
	}
	r := out.Sync
	if r.Result != "ok" || r.Committed || r.Pushed || r.Merged || r.Attempts != 1 || len(out.Captured)+len(out.Applied) != 0 {
		return fmt.Errorf("host %s: the no-op round did something: %+v", h.name, r)
	}
	if keep {
		p.hearth = append(p.hearth, s)
		if r.FetchSkipped {
			p.noFetch++
		}
	}
	return nil
}

func (b *bench) noopGit(ctx context.Context, plain string, p *pair, keep bool) error {
	s, _, err := runTimed(b.measured(command(ctx, b.gitEnv(), plain, "git", "fetch")))
	if err != nil {
		return err
	}
	if keep {
		p.git = append(p.git, s)
	}
	return nil
}

// editLine is the i-th edit; both sides make the same one.
func editLine(i int) string { return fmt.Sprintf("alias bench%d='echo %d'", i+1000, i) }

func (b *bench) editHearth(ctx context.Context, h *host, remote string, i int, p *pair, keep bool) error {
	if err := appendLine(filepath.Join(h.home, ".bashrc"), editLine(i)); err != nil {
		return err
	}
	s, out, err := h.sync(ctx, b)
	if err != nil {
		return err
	}
	r := out.Sync
	if r.Result != "ok" || !r.Committed || !r.Pushed || len(out.Captured) != 1 {
		return fmt.Errorf("host %s: the edit round did not capture, commit and push one file: %+v, %d captured", h.name, r, len(out.Captured))
	}
	if head, err := b.remoteHead(ctx, remote); err != nil {
		return err
	} else if head != r.Local {
		return fmt.Errorf("host %s: remote is at %s after the round, host at %s", h.name, head, r.Local)
	}
	if keep {
		p.hearth = append(p.hearth, s)
	}
	return nil
}

func (b *bench) editGit(ctx context.Context, plain, remote string, i int, p *pair, keep bool) error {
	if err := appendLine(filepath.Join(plain, "dot_bashrc"), editLine(i)); err != nil {
		return err
	}
	s, _, err := runTimed(b.measured(command(ctx, b.gitEnv(), plain, "sh", "-c", plainSequence)))
	if err != nil {
		return err
	}
	local, err := b.git(ctx, plain, "rev-parse", "HEAD")
	if err != nil {
		return err
	}
	if head, err := b.remoteHead(ctx, remote); err != nil {
		return err
	} else if head != local {
		return fmt.Errorf("plain clone %s: remote is at %s after the sequence, clone at %s", plain, head, local)
	}
	if keep {
		p.git = append(p.git, s)
	}
	return nil
}
