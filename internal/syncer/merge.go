package syncer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/textdiff"
)

// merger settles a merge of local (ours) and remote (theirs) commits into a
// tree with no conflict markers on any live path.
type merger struct {
	opts   *Options
	repo   *gitrepo.Repo
	ours   string
	theirs string
	base   string
	edits  []gitrepo.TreeEdit
	found  []Conflict
	// messages caches commit messages read for edit times ("" when too
	// long to read).
	messages map[string]string
	// editTimes are the edit times of paths this merge wrote merged text
	// to: its commit records them, as a capture's does.
	editTimes map[string]time.Time
}

// merge returns a merge commit of ours and theirs (ours first), and the
// conflicts it recorded.
func merge(ctx context.Context, o *Options, repo *gitrepo.Repo, ours, theirs string) (string, []Conflict, error) {
	base, err := repo.MergeBase(ctx, ours, theirs)
	unrelated := errors.Is(err, gitrepo.ErrNoMergeBase)
	if err != nil && !unrelated {
		return "", nil, fmt.Errorf("merge %s with %s: %w", short(ours), short(theirs), err)
	}
	var res *gitrepo.MergeResult
	mergeOurs, restoreOurs, err := hideNewSidecars(ctx, o, repo, base, ours)
	if err != nil {
		return "", nil, err
	}
	mergeTheirs, restoreTheirs, err := hideNewSidecars(ctx, o, repo, base, theirs)
	if err != nil {
		return "", nil, err
	}
	if unrelated {
		// The remote was re-created with a history of its own. Refusing
		// would fail every round forever and never push our commits;
		// merging against the empty tree keeps both sides, and a path both
		// have is settled like any conflict, the loser kept as a sidecar.
		o.Logger.Warn("the remote's history shares nothing with this clone's (re-created?); merging both, overlaps kept as sidecars",
			"local", short(ours), "remote", short(theirs))
		res, err = repo.MergeTreeUnrelated(ctx, ours, theirs)
	} else {
		res, err = repo.MergeTree(ctx, mergeOurs, mergeTheirs)
	}
	if err != nil {
		return "", nil, err
	}
	m := &merger{opts: o, repo: repo, ours: ours, theirs: theirs, base: base}
	m.edits = append(append(m.edits, restoreOurs...), restoreTheirs...)
	moved := displacedFiles(res, mergeOurs, mergeTheirs)
	movedStages := map[string]gitrepo.Conflict{}
	for _, c := range res.Conflicts {
		if c.Path == ManifestPath {
			continue // rebuilt below in every case
		}
		if _, ok := moved[c.Path]; ok {
			movedStages[c.Path] = c
			continue
		}
		if err := m.settle(ctx, c); err != nil {
			return "", nil, fmt.Errorf("merge %s with %s: %s: %w", short(ours), short(theirs), c.Path, err)
		}
	}
	if err := m.settleDisplaced(ctx, res.Tree, moved, movedStages); err != nil {
		return "", nil, fmt.Errorf("merge %s with %s: %w", short(ours), short(theirs), err)
	}
	if err := m.rebuildManifest(ctx); err != nil {
		return "", nil, err
	}
	tree, err := repo.BuildTree(ctx, res.Tree, m.edits)
	if err != nil {
		return "", nil, err
	}
	now := o.Now()
	msg := fmt.Sprintf("hearth: merge %s into %s on %s", short(theirs), short(ours), o.Host)
	if len(m.found) > 0 {
		msg += fmt.Sprintf(" (%d conflict(s) settled by policy %s)", len(m.found), o.Policy)
	}
	id, err := repo.CommitTree(ctx, gitrepo.CommitSpec{
		Tree: tree, Parents: []string{ours, theirs}, Message: msg,
		Author:   signature(o, now),
		Trailers: append(trailers(o, now), editTimeTrailers(m.editTimes)...),
	})
	return id, m.found, err
}

// settle resolves one conflicted path.
func (m *merger) settle(ctx context.Context, c gitrepo.Conflict) error {
	switch {
	case c.Ours.ID == "" && c.Theirs.ID == "":
		return nil // deleted on both sides: nothing live to protect
	case c.Ours.ID == "":
		// Modify (theirs) vs delete (ours): the modification stays.
		m.put(c.Path, c.Theirs)
		return nil
	case c.Theirs.ID == "":
		m.put(c.Path, c.Ours)
		return nil
	}
	ours, theirs, err := m.lastChanges(ctx, c.Path)
	if err != nil {
		return err
	}
	oursWin := m.oursWin(ours, theirs)
	win, lose := c.Theirs, c.Ours
	winSide, winChange, loseChange := "remote", theirs, ours
	if oursWin {
		win, lose = c.Ours, c.Theirs
		winSide, winChange, loseChange = "local", ours, theirs
	}
	kind := "whole-file"
	merged := win
	if textual(c) {
		data, lost, err := m.threeWay(ctx, c, oursWin, older(ours, theirs))
		if err != nil {
			return err
		}
		id, err := m.repo.HashObject(ctx, data)
		if err != nil {
			return err
		}
		merged = gitrepo.Stage{Mode: win.Mode, ID: id}
		kind = "hunks"
		if !lost {
			m.put(c.Path, merged) // every hunk merged: nobody's edit was set aside
			m.recordEditTime(c.Path, ours, theirs)
			return nil
		}
	}
	m.put(c.Path, merged)

	loserHost, err := m.hostOf(ctx, loseChange.id, !oursWin)
	if err != nil {
		return err
	}
	winnerHost, err := m.hostOf(ctx, winChange.id, oursWin)
	if err != nil {
		return err
	}
	id := conflictID(c.Path, lose.ID, win.ID)
	sidecar := sidecarName(c.Path, sanitizeHost(loserHost), id)
	m.edits = append(m.edits, gitrepo.TreeEdit{Path: sidecar, Mode: gitrepo.ModeFile, ID: lose.ID})
	m.found = append(m.found, Conflict{
		ID: id, Path: c.Path, Sidecar: sidecar,
		Base: c.Base.ID, Ours: c.Ours.ID, Theirs: c.Theirs.ID,
		Winner: winSide, WinnerHost: winnerHost, LoserHost: loserHost,
		WinnerTime: winChange.when, LoserTime: loseChange.when,
		Policy: m.opts.Policy, Kind: kind, MergedBy: m.opts.Host, Recorded: m.opts.Now().UTC(),
	})
	m.opts.Logger.Info("conflict settled", "path", c.Path, "winner", winnerHost, "sidecar", sidecar, "kind", kind)
	return nil
}

func (m *merger) put(p string, s gitrepo.Stage) {
	m.edits = append(m.edits, gitrepo.TreeEdit{Path: p, Mode: s.Mode, ID: s.ID})
}

// change is a side's last commit touching a path ("" when none did).
type change struct {
	id   string
	when time.Time
}

// lastChanges finds, once per conflicted path, each side's last commit
// touching it and when that change was made: the policy and the host
// names both come from these.
func (m *merger) lastChanges(ctx context.Context, p string) (ours, theirs change, err error) {
	for _, side := range []struct {
		rev string
		c   *change
	}{{m.ours, &ours}, {m.theirs, &theirs}} {
		var committed time.Time
		if side.c.id, committed, err = m.repo.LastChange(ctx, side.rev, p); err != nil {
			return
		}
		if side.c.when, err = m.editTime(ctx, side.c.id, p, committed); err != nil {
			return
		}
	}
	return
}

// older compares the two sides' edit times: < 0 when ours is older.
func older(ours, theirs change) int { return ours.when.Compare(theirs.when) }

// recordEditTime notes, for the merge commit, that p's merged text is as
// new as the newer of the two edits in it.
func (m *merger) recordEditTime(p string, ours, theirs change) {
	if m.editTimes == nil {
		m.editTimes = map[string]time.Time{}
	}
	m.editTimes[p] = ours.when
	if theirs.when.After(ours.when) {
		m.editTimes[p] = theirs.when
	}
}

// oursWin applies the policy; for newest, the side whose last change to
// the file was made later wins (the edit time its capture recorded, else
// the commit time), ties go to the remote.
func (m *merger) oursWin(ours, theirs change) bool {
	switch m.opts.Policy {
	case PolicyLocal:
		return true
	case PolicyRemote:
		return false
	default:
		return ours.when.After(theirs.when)
	}
}

// textual reports whether a path can be merged hunk by hunk: regular files on
// both sides whose names do not say they are encrypted. Binary content is
// checked in threeWay.
func textual(c gitrepo.Conflict) bool {
	regular := func(s gitrepo.Stage) bool {
		return s.ID == "" || s.Mode == gitrepo.ModeFile || s.Mode == gitrepo.ModeExec
	}
	base := path.Base(c.Path)
	encrypted := strings.Contains(base, "encrypted_") || strings.HasSuffix(base, ".age") || strings.HasSuffix(base, ".asc")
	return regular(c.Base) && regular(c.Ours) && regular(c.Theirs) && !encrypted
}

// threeWay merges the text; overlapping hunks take the winner's text, but
// for insertions both sides made at one place, kept in edit order. Binary
// content falls back to the winner's whole file. lost reports whether any of
// the loser's text did not make it into the result.
func (m *merger) threeWay(ctx context.Context, c gitrepo.Conflict, oursWin bool, order int) (data []byte, lost bool, err error) {
	var blobs [3][]byte
	for i, s := range []gitrepo.Stage{c.Base, c.Ours, c.Theirs} {
		if s.ID == "" {
			continue
		}
		b, err := m.repo.ReadBlob(ctx, s.ID)
		if err != nil {
			return nil, false, err
		}
		blobs[i] = b
	}
	if isBinary(blobs[0]) || isBinary(blobs[1]) || isBinary(blobs[2]) {
		if oursWin {
			return blobs[1], true, nil
		}
		return blobs[2], true, nil
	}
	// Both sides inserting at one place (both appended, say) keeps both.
	if c.Base.ID != "" && !textdiff.StructuredByName(c.Path) {
		if out, ok := textdiff.UnionInsertions(blobs[0], blobs[1], blobs[2], order); ok {
			return out, false, nil
		}
	}
	favor := gitrepo.FavorTheirs
	if oursWin {
		favor = gitrepo.FavorOurs
	}
	out, overlaps, err := m.repo.MergeFile(ctx, blobs[0], blobs[1], blobs[2], favor)
	return out, overlaps > 0, err
}

func isBinary(b []byte) bool { return bytes.IndexByte(b[:min(len(b), 8000)], 0) >= 0 }

// hostOf names the host that made the commit id (a side's last change to a
// path): the Hearth-Host trailer, else this host for our side, else the author.
func (m *merger) hostOf(ctx context.Context, id string, local bool) (string, error) {
	if id == "" {
		return "unknown", nil
	}
	info, err := m.repo.ReadCommit(ctx, id)
	if err != nil {
		return "", err
	}
	if h := trailerValue(info.Message, TrailerHost); h != "" {
		return h, nil
	}
	if local {
		return m.opts.Host, nil
	}
	return info.Author.Name, nil
}

// rebuildManifest writes the union of both sides' manifests plus this merge's
// conflicts, whenever either side or this merge touched it. A line merge of
// JSON could be valid text and invalid JSON, so it is never trusted.
func (m *merger) rebuildManifest(ctx context.Context) error {
	var sides [3]*Manifest
	for i, rev := range []string{m.base, m.ours, m.theirs} {
		man, err := readManifest(ctx, m.repo, rev)
		if err != nil {
			m.opts.Logger.Warn("conflict manifest unreadable; its entries are kept from the other side", "commit", short(rev), "err", err)
			man = &Manifest{}
		}
		if i > 0 { // the base's were reported when it was a side
			for _, p := range man.Problems {
				m.opts.Logger.Warn("conflict manifest problem; the entries that parse are kept", "problem", p)
			}
		}
		sides[i] = man
	}
	merged := mergeManifests(sides[0], sides[1], sides[2])
	merged.Conflicts = append(merged.Conflicts, m.found...)
	if len(merged.Conflicts) == 0 && len(sides[1].Conflicts) == 0 && len(sides[2].Conflicts) == 0 {
		return nil
	}
	data, err := merged.encode()
	if err != nil {
		return err
	}
	id, err := m.repo.HashObject(ctx, data)
	if err != nil {
		return err
	}
	m.edits = append(m.edits, gitrepo.TreeEdit{Path: ManifestPath, Mode: gitrepo.ModeFile, ID: id})
	return nil
}

// conflictID is short, stable for the same pair of versions, and unique enough
// within one repository.
func conflictID(p, loser, winner string) string {
	h := sha256.Sum256([]byte(p + "\x00" + loser + "\x00" + winner))
	return hex.EncodeToString(h[:])[:10]
}

func sanitizeHost(h string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '~' || r < ' ' {
			return '_'
		}
		return r
	}, h)
}

func short(id string) string { return id[:min(len(id), 12)] }
