package deploy

import "time"

// ResultLink is the out-link of the last build in the state dir (a GC root).
const ResultLink = "system-result"

// Outcomes of a round.
const (
	OutcomeDeployed   = "deployed"    // a new generation was activated (and confirmed)
	OutcomeNoop       = "noop"        // the tip is the deployed commit: one fetch, nothing else
	OutcomeUnchanged  = "unchanged"   // a new commit built to the running system: nothing to activate
	OutcomeOffline    = "offline"     // the remote could not be reached; try later
	OutcomeDryRun     = "dry-run"     // built; what would be activated is in the result
	OutcomeRefused    = "refused"     // history rewrite or signature: not built
	OutcomeFailed     = "failed"      // did not build, failed a check, or was rolled back
	OutcomeKnownBad   = "known-bad"   // the tip failed before and is not retried
	OutcomeRolledBack = "rolled-back" // activated, health failed, previous generation restored
	// OutcomeWaiting: the host's rollout wave waits for the previous wave
	// (a state, not a failure); OutcomeQuarantined: another host found the
	// tip bad. Neither builds anything.
	OutcomeWaiting     = "waiting"
	OutcomeQuarantined = "quarantined"
)

// Result is what one round did. It is filled as far as the round got, also
// when Run returns an error.
type Result struct {
	Outcome string `json:"outcome"`
	Tip     string `json:"tip,omitempty"` // the remote branch tip fetched
	// Commit is the commit now deployed (after the round); Built the one the
	// round built (a flake.lock commit on top of Tip on update_inputs hosts).
	Commit            string        `json:"commit,omitempty"`
	Built             string        `json:"built,omitempty"`
	Signer            string        `json:"signer,omitempty"`
	StorePath         string        `json:"store_path,omitempty"`
	PreviousStorePath string        `json:"previous_store_path,omitempty"`
	Generation        int           `json:"generation,omitempty"`
	Operation         string        `json:"operation,omitempty"`
	RebootNeeded      []string      `json:"reboot_needed,omitempty"`
	Units             *UnitDiff     `json:"units,omitempty"`
	LockCommit        string        `json:"lock_commit,omitempty"`
	LockPublished     bool          `json:"lock_published,omitempty"`
	LockError         string        `json:"lock_error,omitempty"`
	Checkout          string        `json:"checkout,omitempty"`
	Recovered         bool          `json:"recovered_interrupted,omitempty"`
	StateRebuilt      bool          `json:"state_rebuilt,omitempty"`
	Failed            []Failure     `json:"failed_commits,omitempty"`
	Hold              string        `json:"hold,omitempty"` // why a waiting or quarantined round held the tip
	Duration          time.Duration `json:"duration_ns"`
}
