package syncer

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// TrailerMtime records when a file was last edited where it was captured
// from: "Hearth-Mtime: <RFC3339Nano> <path>", one per captured path. A
// trailer rather than a git note: it is part of the commit, so it travels
// with every push and fetch and cannot be lost or rewritten apart from it.
// The time comes first so that a path may hold spaces.
const TrailerMtime = "Hearth-Mtime"

// Bounds on what edit times a commit may carry and what a merge reads: a
// commit from the remote is not trusted to be small or honest.
const (
	maxEditTimes     = 1000    // trailers written per commit; paths past it use the commit time
	maxEditTimeBytes = 1 << 20 // a longer commit's trailers are not read
	// editTimeSkew is how far past its commit's time an edit time may be
	// (the capture reads it moments before the commit); a later one is
	// taken as the commit time, so a remote cannot win every "newest"
	// with a trailer from the far future.
	editTimeSkew = time.Minute
)

// editTimeTrailers turns a capture's edit times into trailers, in path
// order, at most maxEditTimes of them.
func editTimeTrailers(times map[string]time.Time) []gitrepo.Trailer {
	paths := make([]string, 0, len(times))
	for p, t := range times {
		if t.IsZero() || p == "" || strings.ContainsAny(p, "\n\r\x00") {
			continue
		}
		paths = append(paths, p)
	}
	sort.Strings(paths)
	if len(paths) > maxEditTimes {
		paths = paths[:maxEditTimes]
	}
	out := make([]gitrepo.Trailer, 0, len(paths))
	for _, p := range paths {
		out = append(out, gitrepo.Trailer{Key: TrailerMtime, Value: times[p].UTC().Format(time.RFC3339Nano) + " " + p})
	}
	return out
}

// capturedEditTimes are the trailers for the capture's edit times; one
// later than the commit itself (a clock set ahead, a touch -d) is left
// out, as the merge would take the commit time for it anyway.
func capturedEditTimes(o *Options, now time.Time) []gitrepo.Trailer {
	if o.Hooks.EditTimes == nil {
		return nil
	}
	times := map[string]time.Time{}
	for p, t := range o.Hooks.EditTimes() {
		if !t.After(now.Add(editTimeSkew)) {
			times[p] = t
		}
	}
	return editTimeTrailers(times)
}

// editTimeIn finds path's edit time among a message's trailers, or zero.
func editTimeIn(msg, p string) time.Time {
	lines := strings.Split(strings.TrimRight(msg, "\n"), "\n")
	seen := 0
	for i := len(lines) - 1; i >= 0 && strings.TrimSpace(lines[i]) != "" && seen <= maxEditTimes; i-- {
		k, v, ok := strings.Cut(lines[i], ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), TrailerMtime) {
			continue
		}
		seen++
		ts, name, ok := strings.Cut(strings.TrimSpace(v), " ")
		if !ok || name != p {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			return t
		}
	}
	return time.Time{}
}

// editTime is when the change in commit id (committed at committed) to
// path p was made: its capture's edit time when it recorded one that is
// not after the commit (plus skew), else the commit time.
func (m *merger) editTime(ctx context.Context, id, p string, committed time.Time) (time.Time, error) {
	if id == "" {
		return committed, nil
	}
	msg, ok := m.messages[id]
	if !ok {
		size, err := m.repo.ObjectSize(ctx, id)
		if err != nil {
			return time.Time{}, err
		}
		if size <= maxEditTimeBytes {
			info, err := m.repo.ReadCommit(ctx, id)
			if err != nil {
				return time.Time{}, err
			}
			msg = info.Message
		}
		if m.messages == nil {
			m.messages = map[string]string{}
		}
		m.messages[id] = msg
	}
	t := editTimeIn(msg, p)
	if t.IsZero() || t.After(committed.Add(editTimeSkew)) {
		return committed, nil
	}
	return t, nil
}
