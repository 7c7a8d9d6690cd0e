package metrics

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/state"
)

// knownResults are emitted for every job (0 or 1), so that an alert on
// result="failed" has a series to match even before the first failure.
var knownResults = []string{state.ResultOK, state.ResultNoop, state.ResultOffline, state.ResultPending, state.ResultHeld, state.ResultFailed}

var (
	descLastRun = newGauge("hearth_job_last_run_timestamp_seconds",
		"When the last run of the job finished (Unix time).", "job")
	descDuration = newGauge("hearth_job_last_duration_seconds",
		"How long the last run of the job took.", "job")
	descResult = newGauge("hearth_job_last_result",
		"1 for the result of the job's last run, 0 for the other results.", "job", "result")
	descCommit = newGauge("hearth_job_last_commit_info",
		"The commit the job's last run recorded, as a label.", "job", "commit")
	descCorrupt = newGauge("hearth_job_record_corrupt",
		"1 when the job's status record cannot be read (the next run replaces it).", "job")
	descDeployed = newGauge("hearth_system_deployed_commit_info",
		"The nix-config commit whose build is the current system.", "commit")
	descSystemGen = newGauge("hearth_system_generation",
		"System profile generation the last upgrade activated.")
	descRebootNeeded = newGauge("hearth_system_reboot_needed",
		"1 when the last upgrade changed kernel, initrd or modules and a reboot is pending.")
	descConflicts = newGauge("hearth_dotfiles_conflicts_open",
		"Dotfile conflicts settled automatically whose sidecars are still listed in the manifest.")
	descHeld = newGauge("hearth_dotfiles_held_targets",
		"Dotfile targets held (not overwritten) by the last sync or apply.")
	descGoldenGen = newGauge("hearth_golden_generation",
		"System profile generation number of the golden generation.")
	descGoldenInfo = newGauge("hearth_golden_info",
		"The golden generation's store path, as a label.", "store_path")
	descGoldenSince = newGauge("hearth_golden_pinned_timestamp_seconds",
		"When the golden generation was pinned (Unix time).")
	descAttempts = newGauge("hearth_boot_attempts",
		"Failed boots counted against the current candidate generation.")
	descMaxAttempts = newGauge("hearth_boot_max_attempts",
		"Failed boots after which the host rolls back to golden.")
	descVerdict = newGauge("hearth_boot_last_verdict",
		"1 for the verdict of the latest boot check (green or red), 0 for the other.", "verdict")
	descBootCorrupt = newGauge("hearth_boot_state_corrupt",
		"1 when boot.json exists but cannot be parsed.")
	descLoaderInfo = newGauge("hearth_boot_loader_info",
		"The boot loader's entry of the latest candidate or boot, and the entry this boot came from, as labels.", "loader", "entry", "booted_entry")
	descLoaderState = newGauge("hearth_boot_loader_entry_state",
		"1 for the state of that entry in the boot loader (counting, blessed, bad), 0 for the others.", "state")
	descLoaderTries = newGauge("hearth_boot_loader_tries_left",
		"Boots the loader still gives that entry before falling back (while counting).")
)

// collect reads the jobs' records, the dotfile counters and the boot state
// from dir; it never fails, problems with files become metrics.
func collect(dir string) samples {
	var ss samples
	var dotfiles []*state.Record
	var upgrade *state.Record
	for _, e := range state.ReadAll(dir) {
		if e.Record == nil {
			if e.Problem != "never run" {
				ss.add(descCorrupt, 1, e.Job)
			}
			continue
		}
		r := e.Record
		collectRecord(&ss, r)
		if r.Job == "sync" || r.Job == "apply" {
			dotfiles = append(dotfiles, r)
		}
		if r.Job == "upgrade" {
			upgrade = r
		}
	}
	collectDotfiles(&ss, dotfiles)
	collectSystem(&ss, dir, upgrade)
	collectBoot(&ss, filepath.Join(dir, "boot.json"))
	return ss
}

func collectRecord(ss *samples, r *state.Record) {
	if !r.Finished.IsZero() {
		ss.add(descLastRun, unix(r.Finished), r.Job)
	}
	ss.add(descDuration, r.Duration, r.Job)
	seen := false
	for _, res := range knownResults {
		ss.add(descResult, boolValue(res == r.Result), r.Job, res)
		seen = seen || res == r.Result
	}
	if !seen {
		ss.add(descResult, 1, r.Job, r.Result)
	}
	if r.Commit != "" {
		ss.add(descCommit, 1, r.Job, r.Commit)
	}
}

// collectDotfiles takes the counters from whichever of sync and apply ran
// last: both report held targets, only sync reports open conflicts.
func collectDotfiles(ss *samples, recs []*state.Record) {
	var latest, sync *state.Record
	for _, r := range recs {
		if _, ok := number(r.Details["held"]); ok && (latest == nil || r.Finished.After(latest.Finished)) {
			latest = r
		}
		if r.Job == "sync" {
			sync = r
		}
	}
	if latest != nil {
		n, _ := number(latest.Details["held"])
		ss.add(descHeld, n)
	}
	if sync != nil {
		if n, ok := number(sync.Details["conflicts"]); ok {
			ss.add(descConflicts, n)
		}
	}
}

// upgradeState is the part of the deploy state (upgrade-state.json) the
// metrics read, decoded as plain JSON like boot.json.
type upgradeState struct {
	Deployed   string `json:"deployed"`
	Generation int    `json:"generation"`
}

// collectSystem reports the deployed commit from the deploy state, which
// knows it even when the last round failed; without that file, the upgrade
// record's commit (the commit deployed after that round) stands in.
func collectSystem(ss *samples, dir string, rec *state.Record) {
	var st upgradeState
	data, err := os.ReadFile(filepath.Join(dir, "upgrade-state.json"))
	switch {
	case err == nil && json.Unmarshal(data, &st) == nil:
	case rec != nil:
		st.Deployed = rec.Commit
	}
	if st.Deployed != "" {
		ss.add(descDeployed, 1, st.Deployed)
	}
	if st.Generation > 0 {
		ss.add(descSystemGen, float64(st.Generation))
	}
	if rec != nil {
		if b, ok := rec.Details["reboot_needed"].(bool); ok {
			ss.add(descRebootNeeded, boolValue(b))
		}
	}
}

// bootState is the part of boot.json the metrics read; it is decoded as
// plain JSON so this package does not depend on the golden package.
type bootState struct {
	Golden           string    `json:"golden"`
	GoldenGeneration int       `json:"golden_generation"`
	GoldenSince      time.Time `json:"golden_since"`
	Attempts         int       `json:"attempts"`
	MaxAttempts      int       `json:"max_attempts"`
	Boot             *struct {
		Verdict string `json:"verdict"`
	} `json:"boot"`
	Loader *struct {
		Loader    string `json:"loader"`
		Entry     string `json:"entry"`
		State     string `json:"state"`
		TriesLeft int    `json:"tries_left"`
		Booted    string `json:"booted_entry"`
	} `json:"loader"`
}

func collectBoot(ss *samples, path string) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	var st bootState
	if err != nil || json.Unmarshal(data, &st) != nil {
		ss.add(descBootCorrupt, 1)
		return
	}
	ss.add(descBootCorrupt, 0)
	if st.Golden != "" {
		ss.add(descGoldenInfo, 1, st.Golden)
		ss.add(descGoldenGen, float64(st.GoldenGeneration))
	}
	if !st.GoldenSince.IsZero() {
		ss.add(descGoldenSince, unix(st.GoldenSince))
	}
	ss.add(descAttempts, float64(st.Attempts))
	if st.MaxAttempts > 0 {
		ss.add(descMaxAttempts, float64(st.MaxAttempts))
	}
	if st.Boot != nil && st.Boot.Verdict != "" {
		for _, v := range []string{"green", "red"} {
			ss.add(descVerdict, boolValue(strings.EqualFold(st.Boot.Verdict, v)), v)
		}
	}
	if l := st.Loader; l != nil && l.Loader != "" {
		ss.add(descLoaderInfo, 1, l.Loader, l.Entry, l.Booted)
		if l.State != "" {
			for _, s := range []string{"counting", "blessed", "bad"} {
				ss.add(descLoaderState, boolValue(l.State == s), s)
			}
			ss.add(descLoaderTries, float64(l.TriesLeft))
		}
	}
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// number accepts what a JSON-decoded Details value can be.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
