package cli

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/fleet"
	"github.com/hearth-fleet/hearth/internal/golden"
	"github.com/hearth-fleet/hearth/internal/safefile"
	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/hearth-fleet/hearth/internal/syncer"
)

// fleetJobs maps the status records that feed a host record to the
// record's job names; the golden job's record is the last boot check.
var fleetJobs = map[string]string{
	"sync":    fleet.JobSync,
	"upgrade": fleet.JobUpgrade,
	"golden":  fleet.JobBootCheck,
	"secrets": fleet.JobSecrets,
}

// localState is what this user can read of the host's state: the inputs
// of a host record. A nil part is unknown here (another user's job keeps
// it), and the previous record's value is kept.
type localState struct {
	jobs    map[string]state.Record // by status record job name
	deploy  *deployState
	boot    *golden.State
	held    []string
	heldSet bool
	// conflicts lists the open conflicts' paths; nil when not read here
	// (not a sync round, or no dotfiles remote).
	conflicts []string
	rollout   rolloutState
}

// deployState is the part of internal/deploy's state file a record shows.
type deployState struct {
	Deployed   string           `json:"deployed"`
	StorePath  string           `json:"store_path"`
	Generation int              `json:"generation"`
	DeployedAt time.Time        `json:"deployed_at"`
	Failed     []deploy.Failure `json:"failed"`
	Pending    *json.RawMessage `json:"pending"`
}

// maxStateFile bounds what is read of a local state file.
const maxStateFile = 4 << 20

// readLocalState gathers the record's inputs from cfg's state dir; ran is
// the status record of the job that just ran (in memory: its details keep
// Go types).
func (a *app) readLocalState(cfg *config.Config, ran state.Record) localState {
	ls := localState{jobs: map[string]state.Record{}}
	for job := range fleetJobs {
		if job == ran.Job {
			ls.jobs[job] = ran
			continue
		}
		if rec, err := state.ReadRecord(cfg.StateDir, job); err == nil {
			ls.jobs[job] = rec
		}
	}
	if data, err := safefile.Read(filepath.Join(cfg.StateDir, deploy.StateFile), maxStateFile, nil); err == nil {
		var ds deployState
		if json.Unmarshal(data, &ds) == nil {
			ls.deploy = &ds
		}
	}
	if _, err := os.Stat(golden.StatePath(cfg.StateDir)); err == nil {
		if rep, err := golden.Status(a.goldenOptions(cfg)); err == nil {
			ls.boot = &rep.State
		}
	}
	ls.rollout = readRolloutState(cfg, ls.jobs)
	// The dotfiles part only from a sync round, which runs as the home's
	// owner: root never reads the owner's source on their behalf.
	if ran.Job == "sync" {
		ls.held, ls.heldSet = detailStrings(ran.Details["held_targets"]), true
	}
	if ran.Job == "sync" && cfg.Dotfiles.Remote != "" {
		if m, err := syncer.ReadManifest(cfg.Dotfiles.SourceDir); err == nil {
			ls.conflicts = []string{}
			for _, c := range m.Conflicts {
				ls.conflicts = append(ls.conflicts, c.Path)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			a.logger().Debug("conflict manifest unreadable for the host record", "err", err)
		}
	}
	return ls
}

func detailStrings(v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		var out []string
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// buildHostRecord is the new record: prev's, with what ls knows replacing
// it. Only results, commit ids, generation numbers, target names and short
// error texts go in; never a secret or a file's content.
func buildHostRecord(prev *fleet.Record, ls localState) *fleet.Record {
	rec := &fleet.Record{Jobs: map[string]fleet.JobRun{}}
	if prev != nil {
		*rec = *prev
		rec.Jobs = map[string]fleet.JobRun{}
		for k, v := range prev.Jobs {
			rec.Jobs[k] = v
		}
	}
	for job, sr := range ls.jobs {
		name := fleetJobs[job]
		run := fleet.JobRun{Result: sr.Result, Time: sr.Finished.UTC(), Commit: sr.Commit, Error: fleet.ShortError(sr.Error)}
		if job == "secrets" {
			// A secrets error quotes the sops helper and names files and
			// keys: other hosts see only that it failed.
			run.Error = ""
		}
		if old, ok := rec.Jobs[name]; ok && old.Time.After(run.Time) {
			continue // another user's newer run of the job
		}
		if len(run.Commit) != 40 && len(run.Commit) != 64 {
			run.Commit = ""
		}
		rec.Jobs[name] = run
	}
	if ls.deploy != nil {
		d := ls.deploy
		rec.DeployedCommit, rec.Generation = d.Deployed, d.Generation
		rec.BadCommits = []fleet.BadCommit{}
		failed := d.Failed
		if len(failed) > fleet.MaxBadCommits {
			failed = failed[len(failed)-fleet.MaxBadCommits:]
		}
		for _, f := range failed {
			rec.BadCommits = append(rec.BadCommits, fleet.BadCommit{Commit: f.Commit, Stage: f.Stage, Error: fleet.ShortError(f.Error), Time: f.At.UTC()})
		}
		rec.DeployedHealthySince = healthySince(d, ls.boot)
	}
	if ls.boot != nil {
		rec.Golden = ls.boot.GoldenGeneration
		if ls.boot.Boot != nil {
			rec.BootVerdict = ls.boot.Boot.Verdict
		}
		if v := ls.boot.Loader; v != nil && v.Loader != "" && v.Loader != "none" {
			rec.Loader = &fleet.LoaderView{Loader: v.Loader, Entry: fleet.ShortName(v.Entry), State: v.State, TriesLeft: max(0, min(v.TriesLeft, 1000)), Booted: fleet.ShortName(v.Booted)}
		}
	}
	rec.RebootNeeded = rebootNeeded(rec, ls)
	applyRollout(rec, ls)
	if ls.heldSet {
		rec.Held = capNames(ls.held)
	}
	if ls.conflicts != nil {
		rec.Conflicts = capNames(ls.conflicts)
	}
	if rec.Conflicts == nil {
		rec.Conflicts = []string{}
	}
	if rec.Held == nil {
		rec.Held = []string{}
	}
	if rec.BadCommits == nil {
		rec.BadCommits = []fleet.BadCommit{}
	}
	return rec
}

// healthySince is when the deployed commit was confirmed: its deployment
// time, unless an activation is still pending or a boot after it was red.
func healthySince(d *deployState, boot *golden.State) *time.Time {
	if d.Deployed == "" || d.DeployedAt.IsZero() || d.Pending != nil {
		return nil
	}
	if boot != nil && boot.Boot != nil && boot.Boot.Time.After(d.DeployedAt) && boot.Boot.Verdict != golden.Green {
		return nil
	}
	t := d.DeployedAt.UTC()
	return &t
}

// rebootNeeded: the last upgrade said so and no boot was checked since.
func rebootNeeded(rec *fleet.Record, ls localState) bool {
	up, ok := ls.jobs["upgrade"]
	if !ok {
		return rec.RebootNeeded
	}
	if len(detailStrings(up.Details["reboot_needed"])) == 0 {
		return false
	}
	return ls.boot == nil || ls.boot.Boot == nil || !ls.boot.Boot.Time.After(up.Finished)
}

func capNames(names []string) []string {
	out := []string{}
	for _, n := range names {
		if len(out) == fleet.MaxListLen {
			break
		}
		if s := fleet.ShortName(n); s != "" {
			out = append(out, s)
		}
	}
	return out
}
