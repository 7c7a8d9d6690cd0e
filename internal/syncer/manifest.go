package syncer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// ConflictDir holds sidecars and the manifest. Its name starts with a dot, so
// chezmoi conventions never apply it to home.
const ConflictDir = ".hearth-conflicts"

// ManifestPath is the manifest's path in the repository.
const ManifestPath = ConflictDir + "/manifest.json"

// Conflict is one overlapping edit that was settled automatically: the
// winner is live at Path, the loser's whole version is the Sidecar.
type Conflict struct {
	ID         string    `json:"id"`
	Path       string    `json:"path"`
	Sidecar    string    `json:"sidecar"`
	Base       string    `json:"base,omitempty"` // blob ids; "" when that side had no file
	Ours       string    `json:"ours"`
	Theirs     string    `json:"theirs"`
	Winner     string    `json:"winner"` // "local" or "remote", seen from the host that merged
	WinnerHost string    `json:"winner_host"`
	LoserHost  string    `json:"loser_host"`
	WinnerTime time.Time `json:"winner_time"`
	LoserTime  time.Time `json:"loser_time"`
	Policy     Policy    `json:"policy"`
	Kind       string    `json:"kind"` // "hunks" (text merge, overlapping hunks) or "whole-file"
	MergedBy   string    `json:"merged_by"`
	Recorded   time.Time `json:"recorded"`
}

// Manifest is .hearth-conflicts/manifest.json.
type Manifest struct {
	Version   int        `json:"version"`
	Conflicts []Conflict `json:"conflicts"`
	// Problems are the parts of the file that could not be used as they
	// were, each naming the file and line; everything else is used.
	Problems []string `json:"-"`
}

func (m *Manifest) sort() {
	sort.Slice(m.Conflicts, func(i, j int) bool {
		a, b := m.Conflicts[i], m.Conflicts[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.ID < b.ID
	})
}

func (m *Manifest) encode() ([]byte, error) {
	m.Version = 1
	m.sort()
	if m.Conflicts == nil {
		m.Conflicts = []Conflict{}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	return append(data, '\n'), err
}

// readManifest reads the manifest of a commit; a commit without one has none.
func readManifest(ctx context.Context, repo *gitrepo.Repo, rev string) (*Manifest, error) {
	if rev == "" {
		return &Manifest{}, nil
	}
	data, err := repo.ReadBlob(ctx, rev+":"+ManifestPath)
	if errors.Is(err, gitrepo.ErrNotFound) {
		return &Manifest{}, nil
	}
	if err != nil {
		return nil, err
	}
	return DecodeManifest(fmt.Sprintf("commit %s:%s", short(rev), ManifestPath), data), nil
}

// mergeManifests unions the entries of both sides, minus the ones either side
// resolved (present in base, gone on that side). A manifest that fails to
// parse on one side is treated as having no entries there, so a broken file
// never blocks the round; its sidecars still exist in the tree.
func mergeManifests(base, ours, theirs *Manifest) *Manifest {
	ids := func(m *Manifest) map[string]bool {
		s := map[string]bool{}
		for _, c := range m.Conflicts {
			s[c.ID] = true
		}
		return s
	}
	inBase, inOurs, inTheirs := ids(base), ids(ours), ids(theirs)
	out := &Manifest{}
	seen := map[string]bool{}
	for _, side := range []*Manifest{ours, theirs} {
		for _, c := range side.Conflicts {
			if seen[c.ID] {
				continue
			}
			resolved := inBase[c.ID] && (!inOurs[c.ID] || !inTheirs[c.ID])
			if !resolved {
				out.Conflicts = append(out.Conflicts, c)
			}
			seen[c.ID] = true
		}
	}
	return out
}
