// Package fleet is hearth's host records: the small versioned JSON file
// each host publishes under refs/hearth/hosts/<host> on a shared remote,
// so every host can see the fleet's state, and gate rollouts on it,
// without a server.
package fleet

import "time"

// Version is the record format this hearth writes and reads. It changes
// when a field changes meaning; new optional fields may appear within a
// version and older readers ignore them.
const Version = 1

// RecordFile is the one file in a record commit's tree.
const RecordFile = "host.json"

// Job names a record's Jobs map uses.
const (
	JobSync      = "sync"
	JobUpgrade   = "upgrade"
	JobBootCheck = "boot-check"
	JobSecrets   = "secrets"
)

// Record is one host's published state. It holds no secret values and no
// file contents: results, commit ids, generation numbers, target names and
// short error texts.
type Record struct {
	Version       int       `json:"version"`
	Host          string    `json:"host"`
	HearthVersion string    `json:"hearth_version"`
	Time          time.Time `json:"time"`
	// Seq counts the records since this history's root (1 for a root);
	// the publisher starts a new root beyond its bound.
	Seq int `json:"seq"`

	// DeployedCommit is the nix-config commit the running system was built
	// from; DeployedHealthySince is when that deployment was confirmed
	// healthy (upgrade confirmed and, after a reboot, a good boot verdict),
	// nil while it is not.
	DeployedCommit       string     `json:"deployed_commit,omitempty"`
	DeployedHealthySince *time.Time `json:"deployed_healthy_since,omitempty"`
	Generation           int        `json:"generation,omitempty"`
	Golden               int        `json:"golden,omitempty"`
	BootVerdict          string     `json:"boot_verdict,omitempty"`
	RebootNeeded         bool       `json:"reboot_needed"`
	// Loader is the boot loader's view of the generation it is counting or
	// counted last (nil when hearth counts no boots on this host).
	Loader *LoaderView `json:"loader,omitempty"`

	// Wave is the host's rollout wave (nil: not in a staged rollout);
	// Waiting says why it holds a commit back, e.g. "waiting for wave 0".
	Wave    *int   `json:"wave,omitempty"`
	Waiting string `json:"waiting,omitempty"`

	Jobs       map[string]JobRun `json:"jobs"`
	Conflicts  []string          `json:"conflicts"`
	Held       []string          `json:"held"`
	BadCommits []BadCommit       `json:"bad_commits"`
}

// LoaderView is what the boot loader says of a deployed generation's entry:
// State is blessed, counting or bad; Booted the entry this boot came from.
type LoaderView struct {
	Loader    string `json:"loader"`
	Entry     string `json:"entry,omitempty"`
	State     string `json:"state,omitempty"`
	TriesLeft int    `json:"tries_left"`
	Booted    string `json:"booted_entry,omitempty"`
}

// JobRun is the last run of one job.
type JobRun struct {
	Result string    `json:"result"` // a state.Result* value
	Time   time.Time `json:"time"`
	Commit string    `json:"commit,omitempty"`
	Error  string    `json:"error,omitempty"`
}

// BadCommit is a nix-config commit this host found bad, and where.
type BadCommit struct {
	Commit string    `json:"commit"`
	Stage  string    `json:"stage"` // e.g. eval, build, precheck, activate, confirm, boot
	Error  string    `json:"error,omitempty"`
	Time   time.Time `json:"time"`
}

// HealthyAt reports whether the record says commit is deployed and has been
// healthy since at least at (the rollout's soak question).
func (r *Record) HealthyAt(commit string, at time.Time) bool {
	return r != nil && commit != "" && r.DeployedCommit == commit &&
		r.DeployedHealthySince != nil && !r.DeployedHealthySince.After(at)
}

// FoundBad returns the record's entry for commit, or nil.
func (r *Record) FoundBad(commit string) *BadCommit {
	if r == nil {
		return nil
	}
	for i := range r.BadCommits {
		if r.BadCommits[i].Commit == commit {
			return &r.BadCommits[i]
		}
	}
	return nil
}
