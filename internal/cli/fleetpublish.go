package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/fleet"
	"github.com/hearth-fleet/hearth/internal/safefile"
	"github.com/hearth-fleet/hearth/internal/state"
)

// Bounds of one publish, which runs while the job's lock is held.
const (
	publishTimeout    = 30 * time.Second
	publishGitTimeout = 20 * time.Second
)

// publishStateFile remembers the last publish of a sync round, for the
// interval rule.
const publishStateFile = "fleet-publish.json"

type publishState struct {
	Time time.Time `json:"time"`
	// Sync is the sync outcome the last record carried: a sync round with
	// another one publishes even within the interval.
	Sync string `json:"sync"`
}

// publishHostRecord publishes this host's record after a run of job,
// as the user running the job, with what that user can read. It never
// fails the job: problems are logged.
func (a *app) publishHostRecord(ctx context.Context, cfg *config.Config, ran state.Record) {
	if _, ok := fleetJobs[ran.Job]; !ok || !cfg.Fleet.PublishOn() || ctx.Err() != nil {
		return
	}
	remote, err := fleetRemote(cfg)
	if err != nil {
		return // no remote: nothing to publish to
	}
	log := a.logger().With("job", ran.Job)
	now := time.Now()
	syncKey := ""
	if ran.Job == "sync" {
		syncKey = fmt.Sprintf("%s/%v/%v", ran.Result, ran.Details["conflicts"], ran.Details["held"])
		if !publishDue(readPublishState(cfg.StateDir), syncKey, now, cfg.Fleet.PublishInterval.Duration) {
			log.Debug("host record not published: within fleet.publish_interval and nothing changed")
			return
		}
	}
	if key := cfg.Fleet.SigningKey; key != "" {
		// Root's key is not for a user's sync round: skip rather than
		// publish unsigned records that would read as unverified.
		f, err := os.Open(key)
		if err != nil {
			log.Warn("host record not published: fleet.signing_key is not readable by this user", "err", err)
			return
		}
		f.Close()
	}
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	repo, err := fleetCache(ctx, a, cfg, publishGitTimeout)
	if err != nil {
		log.Warn("host record not published", "err", err)
		return
	}
	p := &fleet.Publisher{Repo: repo, Remote: remote, Host: cfg.Host, SigningKey: cfg.Fleet.SigningKey, HearthVersion: Version}
	ls := a.readLocalState(cfg, ran)
	pub, err := p.Publish(ctx, func(prev *fleet.Record) (*fleet.Record, error) {
		return buildHostRecord(prev, ls), nil
	})
	if err != nil {
		log.Warn("host record not published (the job's result stands)", "err", err)
		return
	}
	log.Info("host record published", "commit", pub.Commit, "tries", pub.Attempts)
	if syncKey == "" {
		return
	}
	// Written under the sync lock only, which sweeps its temporary files.
	if data, err := json.Marshal(publishState{Time: now.UTC(), Sync: syncKey}); err == nil {
		if err := state.WriteFileAtomic(filepath.Join(cfg.StateDir, publishStateFile), append(data, '\n'), 0o644); err != nil {
			log.Warn("cannot remember the host record's publish time", "err", err)
		}
	}
}

// publishDue is the sync rounds' rule: publish when the outcome changed
// since the last record, or interval has passed since it.
func publishDue(last publishState, syncKey string, now time.Time, interval time.Duration) bool {
	return last.Time.IsZero() || last.Sync != syncKey || now.Sub(last.Time) >= interval || now.Before(last.Time)
}

func readPublishState(dir string) publishState {
	var st publishState
	data, err := safefile.Read(filepath.Join(dir, publishStateFile), 4096, nil)
	if err != nil {
		return st
	}
	if json.Unmarshal(data, &st) != nil {
		return publishState{}
	}
	return st
}
