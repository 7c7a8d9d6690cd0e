package golden

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hearth-fleet/hearth/internal/bootcount"
	"github.com/hearth-fleet/hearth/internal/state"
)

// stateSchema is the version of boot.json this code writes and understands.
const stateSchema = 1

// Verdicts recorded for a boot.
const (
	Green = "green"
	Red   = "red"
)

// Actions a boot check decides on.
const (
	ActionNone     = "none"     // golden booted and healthy
	ActionStay     = "stay"     // failing, but nothing safe to do: stay up, report
	ActionPin      = "pin"      // healthy candidate becomes golden
	ActionReboot   = "reboot"   // failing candidate gets another boot
	ActionRollback = "rollback" // failing candidate at the limit: boot golden
)

// State is the content of boot.json.
type State struct {
	Schema           int             `json:"schema"`
	Golden           string          `json:"golden,omitempty"` // store path of the golden generation
	GoldenGeneration int             `json:"golden_generation,omitempty"`
	GoldenSince      time.Time       `json:"golden_since,omitzero"`
	Candidate        string          `json:"candidate,omitempty"` // store path whose failed boots Attempts counts
	Attempts         int             `json:"attempts"`
	MaxAttempts      int             `json:"max_attempts"`
	Boot             *Boot           `json:"boot,omitempty"` // the latest boot check
	LastRollback     *RollbackRecord `json:"last_rollback,omitempty"`
	// Loader is the boot loader's view of the latest candidate or boot, as
	// hearth last saw or left it (for metrics and the fleet record).
	Loader *bootcount.View `json:"loader,omitempty"`
}

// Boot is the record of the check of one boot. It is written before acting,
// so a check interrupted in the same boot resumes the same decision.
type Boot struct {
	ID      string    `json:"id"`     // kernel boot id
	System  string    `json:"system"` // booted store path
	Time    time.Time `json:"time"`
	Verdict string    `json:"verdict"` // Green or Red
	Failing []string  `json:"failing,omitempty"`
	Wanted  []string  `json:"wanted_failing,omitempty"` // failing checks that are not required
	Action  string    `json:"action"`
	Done    bool      `json:"done"`
	Message string    `json:"message"`
}

// RollbackRecord records the last return to golden.
type RollbackRecord struct {
	From   string    `json:"from"`
	To     string    `json:"to"`
	Time   time.Time `json:"time"`
	Manual bool      `json:"manual,omitempty"`
}

// ErrCorruptState marks a boot.json that cannot be used.
var ErrCorruptState = errors.New("corrupt boot state")

// readState reads boot.json. A missing file is an empty state; an unreadable,
// unparsable or implausible one is ErrCorruptState naming the file.
func readState(path, storeDir string) (State, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return State{Schema: stateSchema}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("%s: %w", path, err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return State{}, fmt.Errorf("%s: %w: %v", path, ErrCorruptState, err)
	}
	if err := st.validate(storeDir); err != nil {
		return State{}, fmt.Errorf("%s: %w: %v", path, ErrCorruptState, err)
	}
	return st, nil
}

// validate rejects content this code did not write: boot.json steers
// profile changes, so a path in it must be a store path.
func (st State) validate(storeDir string) error {
	if st.Schema != stateSchema {
		return fmt.Errorf("unknown schema %d (want %d)", st.Schema, stateSchema)
	}
	if st.Attempts < 0 || st.MaxAttempts < 0 {
		return fmt.Errorf("negative attempts %d/%d", st.Attempts, st.MaxAttempts)
	}
	paths := map[string]string{"golden": st.Golden, "candidate": st.Candidate}
	if st.Boot != nil {
		paths["boot.system"] = st.Boot.System
		switch st.Boot.Verdict {
		case Green, Red:
		default:
			return fmt.Errorf("boot.verdict %q is neither %q nor %q", st.Boot.Verdict, Green, Red)
		}
		switch st.Boot.Action {
		case ActionNone, ActionStay, ActionPin, ActionReboot, ActionRollback:
		default:
			return fmt.Errorf("unknown boot.action %q", st.Boot.Action)
		}
	}
	for key, p := range paths {
		if p != "" && !isStorePath(p, storeDir) {
			return fmt.Errorf("%s %q is not a store path in %s", key, p, storeDir)
		}
	}
	return nil
}

func isStorePath(p, storeDir string) bool {
	return p == filepath.Clean(p) && filepath.Dir(p) == storeDir && filepath.Base(p)[0] != '.'
}

func writeState(path string, st State) error {
	st.Schema = stateSchema
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("state dir %s: %w", filepath.Dir(path), err)
	}
	return state.WriteFileAtomic(path, append(data, '\n'), 0o644)
}
