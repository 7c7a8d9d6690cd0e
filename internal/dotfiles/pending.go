package dotfiles

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"slices"

	"github.com/hearth-fleet/hearth/internal/state"
)

// The pending file (beside the state file) lists the files an Apply is
// writing whose records are not saved yet, because their data may not be
// on disk yet (see durable.go). It is written, fsynced, before the first
// write, and trimmed once the records are saved after the sync. A run
// killed in between leaves it behind, and adds its own writes to it.

func pendingPath(statePath string) string { return statePath + ".unsynced" }

// StateFiles lists the files the engine keeps beside its state file
// statePath (the state file first), for a sweep of what killed writes left.
func StateFiles(statePath string) []string {
	return []string{statePath, pendingPath(statePath), scriptStatePath(statePath)}
}

func loadPending(statePath string) map[string]bool {
	out := map[string]bool{}
	b, err := os.ReadFile(pendingPath(statePath))
	if err != nil {
		return out
	}
	var list []string
	if json.Unmarshal(b, &list) != nil {
		// Unreadable: nothing can be taken as torn, and a torn file would
		// be held or captured as an emptied file; the source history
		// still has its content.
		return out
	}
	for _, t := range list {
		out[t] = true
	}
	return out
}

// markPending adds targets to the pending file, durably.
func (r *records) markPending(targets []string) error {
	n := len(r.pending)
	for _, t := range targets {
		r.pending[t] = true
	}
	if len(r.pending) == 0 || len(r.pending) == n && fileExists(pendingPath(r.path)) {
		return nil
	}
	return r.writePending()
}

// clearPending drops the targets done reports as settled.
func (r *records) clearPending(done func(string) bool) error {
	n := len(r.pending)
	for t := range r.pending {
		if done(t) {
			delete(r.pending, t)
		}
	}
	if len(r.pending) == 0 {
		err := os.Remove(pendingPath(r.path))
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	if len(r.pending) == n {
		return nil
	}
	return r.writePending()
}

func (r *records) writePending() error {
	list := make([]string, 0, len(r.pending))
	for t := range r.pending {
		list = append(list, t)
	}
	slices.Sort(list)
	b, _ := json.Marshal(list)
	return state.WriteFileAtomic(pendingPath(r.path), b, 0o600)
}

func fileExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// writeWasTorn reports whether home's file at t is what a power cut can
// leave of a write whose records were never saved: listed as pending, and
// empty or all zero bytes. (Home is known not to hold what the source
// wants there: that case is planned before this one.) It goes by size and
// hash, so it needs no file contents in memory.
func (p *plan) writeWasTorn(t *Target, a actual) bool {
	if t.Kind != KindFile || a.kind != KindFile || !p.recs.pending[t.Path] {
		return false
	}
	return a.sum != "" && a.sum == zeroSum(a.length())
}

// length is the size of the file a describes.
func (a actual) length() int64 { return a.size }

// zeroSum is the hex SHA-256 of n zero bytes.
func zeroSum(n int64) string {
	h := sha256.New()
	var zeros [32 << 10]byte
	for n > 0 {
		k := min(n, int64(len(zeros)))
		h.Write(zeros[:k])
		n -= k
	}
	return hex.EncodeToString(h.Sum(nil))
}
