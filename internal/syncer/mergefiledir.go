package syncer

import (
	"context"
	"path"
	"sort"
	"strings"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// displacedFile is a file git's merge moved aside because the other side
// made its path a directory: git leaves it as "<path>~<commit>", a new
// dotfile on every host that no manifest lists.
type displacedFile struct {
	moved, path string
	ours        bool // the file came from our side
}

// displacedFiles finds them in the merge's file/directory messages. mergeOurs
// and mergeTheirs are the commits given to merge-tree, whose ids git uses as
// the suffix.
func displacedFiles(res *gitrepo.MergeResult, mergeOurs, mergeTheirs string) map[string]displacedFile {
	found := map[string]displacedFile{}
	for _, msg := range res.Messages {
		if !strings.HasPrefix(msg.Type, "CONFLICT (file/directory)") {
			continue
		}
		for _, moved := range msg.Paths {
			for _, side := range []struct {
				id   string
				ours bool
			}{{mergeOurs, true}, {mergeTheirs, false}} {
				orig, ok := strings.CutSuffix(moved, "~"+side.id)
				if ok && orig != "" && contains(msg.Paths, orig) {
					found[moved] = displacedFile{moved: moved, path: orig, ours: side.ours}
				}
			}
		}
	}
	return found
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// settleDisplaced settles every displaced file as a conflict the directory
// won: the file leaves the live tree and is kept as a listed sidecar of its
// path, so the edit is kept and can be shown and resolved like any other.
// conflicted holds the stages merge-tree listed for moved paths; a moved
// file it did not list is read from the merged tree.
func (m *merger) settleDisplaced(ctx context.Context, tree string, moved map[string]displacedFile, conflicted map[string]gitrepo.Conflict) error {
	names := make([]string, 0, len(moved))
	for p := range moved {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		d := moved[p]
		var file gitrepo.Stage
		if c, ok := conflicted[p]; ok {
			file = c.Ours
			if file.ID == "" {
				file = c.Theirs
			}
		} else {
			entries, err := m.repo.LsTree(ctx, tree, false, p)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if e.Path == p && e.Type == "blob" {
					file = gitrepo.Stage{Mode: e.Mode, ID: e.ID}
				}
			}
		}
		m.edits = append(m.edits, gitrepo.TreeEdit{Path: p, Delete: true})
		if file.ID == "" {
			continue // nothing of the file's left to keep
		}
		if err := m.keepDisplaced(ctx, d, file); err != nil {
			return err
		}
	}
	return nil
}

func (m *merger) keepDisplaced(ctx context.Context, d displacedFile, file gitrepo.Stage) error {
	ours, theirs, err := m.lastChanges(ctx, d.path)
	if err != nil {
		return err
	}
	winSide, winChange, loseChange := "remote", theirs, ours
	if !d.ours {
		winSide, winChange, loseChange = "local", ours, theirs
	}
	loserHost, err := m.hostOf(ctx, loseChange.id, d.ours)
	if err != nil {
		return err
	}
	winnerHost, err := m.hostOf(ctx, winChange.id, !d.ours)
	if err != nil {
		return err
	}
	id := conflictID(d.path, file.ID, "directory")
	sidecar := path.Join(ConflictDir, d.path+"~"+sanitizeHost(loserHost)+"~"+id)
	// A link is kept as its target's text: a sidecar is never a link.
	m.edits = append(m.edits, gitrepo.TreeEdit{Path: sidecar, Mode: gitrepo.ModeFile, ID: file.ID})
	c := Conflict{
		ID: id, Path: d.path, Sidecar: sidecar,
		Winner: winSide, WinnerHost: winnerHost, LoserHost: loserHost,
		WinnerTime: winChange.when, LoserTime: loseChange.when,
		Policy: m.opts.Policy, Kind: "whole-file", MergedBy: m.opts.Host, Recorded: m.opts.Now().UTC(),
	}
	if d.ours {
		c.Ours = file.ID
	} else {
		c.Theirs = file.ID
	}
	m.found = append(m.found, c)
	m.opts.Logger.Info("file/directory conflict settled: the directory stays, the file is kept as a sidecar",
		"path", d.path, "file_from", loserHost, "sidecar", sidecar)
	return nil
}
