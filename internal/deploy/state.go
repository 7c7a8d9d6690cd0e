package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hearth-fleet/hearth/internal/state"
)

// StateFile is the name of the deploy state file in the state dir.
const StateFile = "upgrade-state.json"

const stateVersion = 1

// maxFailures bounds the remembered failed commits (oldest dropped first).
const maxFailures = 20

// maxInterruptions is how many interrupted activations of one commit are
// retried before the commit is treated as failed: an activation that kills
// the machine must not be retried forever.
const maxInterruptions = 2

// Failure is a commit that did not make it: it is not built again while it
// is the tip.
type Failure struct {
	Commit string    `json:"commit"`
	Tree   string    `json:"tree,omitempty"`
	Stage  string    `json:"stage"` // build, precheck, activate, confirm, interrupted
	Error  string    `json:"error"`
	At     time.Time `json:"at"`
}

// Pending is an activation in progress; a run that finds one was killed in
// the middle and puts the previous generation back before going on.
type Pending struct {
	Commit    string    `json:"commit"`
	Base      string    `json:"base"`
	StorePath string    `json:"store_path"`
	Previous  string    `json:"previous_store_path,omitempty"`
	Started   time.Time `json:"started"`
}

// State is everything the pipeline remembers between rounds.
type State struct {
	Version int `json:"version"`
	// Deployed is the commit whose build is the current system (it may be a
	// local flake.lock commit not yet on the remote); DeployedBase is the
	// remote commit it was made from, against which history rewrites are judged.
	Deployed     string         `json:"deployed,omitempty"`
	DeployedBase string         `json:"deployed_base,omitempty"`
	StorePath    string         `json:"store_path,omitempty"`
	Generation   int            `json:"generation,omitempty"`
	DeployedAt   time.Time      `json:"deployed_at,omitzero"`
	Failed       []Failure      `json:"failed,omitempty"`
	Interrupted  map[string]int `json:"interrupted,omitempty"`
	Pending      *Pending       `json:"pending,omitempty"`
}

func statePath(dir string) string { return filepath.Join(dir, StateFile) }

// errCorruptState marks a state file that could not be read back.
var errCorruptState = errors.New("corrupt upgrade state")

// loadState reads the state file. A missing file is a fresh state; a corrupt
// one is returned as a fresh state together with an error naming the file,
// which the caller reports before rebuilding it.
func loadState(dir string) (*State, error) {
	p := statePath(dir)
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return &State{Version: stateVersion}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return &State{Version: stateVersion}, fmt.Errorf("%s: %w: %v", p, errCorruptState, err)
	}
	if st.Version != stateVersion {
		return &State{Version: stateVersion}, fmt.Errorf("%s: %w: unknown version %d", p, errCorruptState, st.Version)
	}
	return &st, nil
}

func (st *State) save(dir string) error {
	st.Version = stateVersion
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("upgrade state: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("state dir %s: %w", dir, err)
	}
	return state.WriteFileAtomic(statePath(dir), append(data, '\n'), 0o644)
}

// failure returns the remembered failure of commit (or of a commit with the
// same tree, which builds the same system), or nil.
func (st *State) failure(commit, tree string) *Failure {
	for i := range st.Failed {
		f := &st.Failed[i]
		if f.Commit == commit || (tree != "" && f.Tree == tree) {
			return f
		}
	}
	return nil
}

func (st *State) addFailure(f Failure) {
	out := st.Failed[:0]
	for _, old := range st.Failed {
		if old.Commit != f.Commit {
			out = append(out, old)
		}
	}
	st.Failed = append(out, f)
	if over := len(st.Failed) - maxFailures; over > 0 {
		st.Failed = st.Failed[over:]
	}
}
