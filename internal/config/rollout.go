package config

import "time"

// Rollout places the host in a staged rollout of nix-config commits: a
// host in wave N > 0 deploys a commit only after Quorum hosts of wave N-1
// ran it healthy for Soak (internal/rollout).
type Rollout struct {
	Wave   int      `json:"wave" toml:"wave"`
	Soak   Duration `json:"soak" toml:"soak"`
	Quorum int      `json:"quorum" toml:"quorum"`
}

// Rollout defaults: every host a canary unless it says otherwise.
const (
	DefaultSoak   = time.Hour
	DefaultQuorum = 1
	maxWave       = 100
)

func setRolloutDefaults(r *Rollout) {
	setDur(&r.Soak, DefaultSoak)
	if r.Quorum == 0 {
		r.Quorum = DefaultQuorum
	}
}

func (v *validator) rollout(r *Rollout) {
	if r.Wave < 0 || r.Wave > maxWave {
		v.add("system.rollout.wave", "must be between 0 and %d, got %d", maxWave, r.Wave)
	}
	if r.Quorum < 1 || r.Quorum > 1000 {
		v.add("system.rollout.quorum", "must be between 1 and 1000, got %d", r.Quorum)
	}
}
