package metrics

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/prometheus/client_golang/prometheus"
)

// knownResults are emitted for every job (0 or 1), so that an alert on
// result="failed" has a series to match even before the first failure.
var knownResults = []string{state.ResultOK, state.ResultNoop, state.ResultOffline, state.ResultPending, state.ResultFailed}

var (
	descLastRun = prometheus.NewDesc("hearth_job_last_run_timestamp_seconds",
		"When the last run of the job finished (Unix time).", []string{"job"}, nil)
	descDuration = prometheus.NewDesc("hearth_job_last_duration_seconds",
		"How long the last run of the job took.", []string{"job"}, nil)
	descResult = prometheus.NewDesc("hearth_job_last_result",
		"1 for the result of the job's last run, 0 for the other results.", []string{"job", "result"}, nil)
	descCommit = prometheus.NewDesc("hearth_job_last_commit_info",
		"The commit the job's last run recorded, as a label.", []string{"job", "commit"}, nil)
	descCorrupt = prometheus.NewDesc("hearth_job_record_corrupt",
		"1 when the job's status record cannot be read (the next run replaces it).", []string{"job"}, nil)
	descDeployed = prometheus.NewDesc("hearth_system_deployed_commit_info",
		"The nix-config commit whose build is the current system.", []string{"commit"}, nil)
	descSystemGen = prometheus.NewDesc("hearth_system_generation",
		"System profile generation the last upgrade activated.", nil, nil)
	descRebootNeeded = prometheus.NewDesc("hearth_system_reboot_needed",
		"1 when the last upgrade changed kernel, initrd or modules and a reboot is pending.", nil, nil)
	descConflicts = prometheus.NewDesc("hearth_dotfiles_conflicts_open",
		"Dotfile conflicts settled automatically whose sidecars are still listed in the manifest.", nil, nil)
	descHeld = prometheus.NewDesc("hearth_dotfiles_held_targets",
		"Dotfile targets held (not overwritten) by the last sync or apply.", nil, nil)
	descGoldenGen = prometheus.NewDesc("hearth_golden_generation",
		"System profile generation number of the golden generation.", nil, nil)
	descGoldenInfo = prometheus.NewDesc("hearth_golden_info",
		"The golden generation's store path, as a label.", []string{"store_path"}, nil)
	descGoldenSince = prometheus.NewDesc("hearth_golden_pinned_timestamp_seconds",
		"When the golden generation was pinned (Unix time).", nil, nil)
	descAttempts = prometheus.NewDesc("hearth_boot_attempts",
		"Failed boots counted against the current candidate generation.", nil, nil)
	descMaxAttempts = prometheus.NewDesc("hearth_boot_max_attempts",
		"Failed boots after which the host rolls back to golden.", nil, nil)
	descVerdict = prometheus.NewDesc("hearth_boot_last_verdict",
		"1 for the verdict of the latest boot check (green or red), 0 for the other.", []string{"verdict"}, nil)
	descBootCorrupt = prometheus.NewDesc("hearth_boot_state_corrupt",
		"1 when boot.json exists but cannot be parsed.", nil, nil)
)

// collector reads the state dir on every Collect; it holds no values itself.
type collector struct{ dir string }

func newCollector(dir string) *collector { return &collector{dir: dir} }

// Describe lists every metric the collector can emit, so the pedantic
// registry can check Collect against it.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLastRun, descDuration, descResult, descCommit, descCorrupt,
		descDeployed, descSystemGen, descRebootNeeded, descConflicts, descHeld, descGoldenGen, descGoldenInfo, descGoldenSince,
		descAttempts, descMaxAttempts, descVerdict, descBootCorrupt} {
		ch <- d
	}
}

// Collect emits the jobs' records, the dotfile counters and the boot state.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	var dotfiles []*state.Record
	var upgrade *state.Record
	for _, e := range state.ReadAll(c.dir) {
		if e.Record == nil {
			if e.Problem != "never run" {
				ch <- gauge(descCorrupt, 1, e.Job)
			}
			continue
		}
		r := e.Record
		collectRecord(ch, r)
		if r.Job == "sync" || r.Job == "apply" {
			dotfiles = append(dotfiles, r)
		}
		if r.Job == "upgrade" {
			upgrade = r
		}
	}
	collectDotfiles(ch, dotfiles)
	collectSystem(ch, c.dir, upgrade)
	collectBoot(ch, filepath.Join(c.dir, "boot.json"))
}

func collectRecord(ch chan<- prometheus.Metric, r *state.Record) {
	if !r.Finished.IsZero() {
		ch <- gauge(descLastRun, unix(r.Finished), r.Job)
	}
	ch <- gauge(descDuration, r.Duration, r.Job)
	seen := false
	for _, res := range knownResults {
		ch <- gauge(descResult, boolValue(res == r.Result), r.Job, res)
		seen = seen || res == r.Result
	}
	if !seen {
		ch <- gauge(descResult, 1, r.Job, r.Result)
	}
	if r.Commit != "" {
		ch <- gauge(descCommit, 1, r.Job, r.Commit)
	}
}

// collectDotfiles takes the counters from whichever of sync and apply ran
// last: both report held targets, only sync reports open conflicts.
func collectDotfiles(ch chan<- prometheus.Metric, recs []*state.Record) {
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
		ch <- gauge(descHeld, n)
	}
	if sync != nil {
		if n, ok := number(sync.Details["conflicts"]); ok {
			ch <- gauge(descConflicts, n)
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
func collectSystem(ch chan<- prometheus.Metric, dir string, rec *state.Record) {
	var st upgradeState
	data, err := os.ReadFile(filepath.Join(dir, "upgrade-state.json"))
	switch {
	case err == nil && json.Unmarshal(data, &st) == nil:
	case rec != nil:
		st.Deployed = rec.Commit
	}
	if st.Deployed != "" {
		ch <- gauge(descDeployed, 1, st.Deployed)
	}
	if st.Generation > 0 {
		ch <- gauge(descSystemGen, float64(st.Generation))
	}
	if rec != nil {
		if b, ok := rec.Details["reboot_needed"].(bool); ok {
			ch <- gauge(descRebootNeeded, boolValue(b))
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
}

func collectBoot(ch chan<- prometheus.Metric, path string) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	var st bootState
	if err != nil || json.Unmarshal(data, &st) != nil {
		ch <- gauge(descBootCorrupt, 1)
		return
	}
	ch <- gauge(descBootCorrupt, 0)
	if st.Golden != "" {
		ch <- gauge(descGoldenInfo, 1, st.Golden)
		ch <- gauge(descGoldenGen, float64(st.GoldenGeneration))
	}
	if !st.GoldenSince.IsZero() {
		ch <- gauge(descGoldenSince, unix(st.GoldenSince))
	}
	ch <- gauge(descAttempts, float64(st.Attempts))
	if st.MaxAttempts > 0 {
		ch <- gauge(descMaxAttempts, float64(st.MaxAttempts))
	}
	if st.Boot != nil && st.Boot.Verdict != "" {
		for _, v := range []string{"green", "red"} {
			ch <- gauge(descVerdict, boolValue(strings.EqualFold(st.Boot.Verdict, v)), v)
		}
	}
}

// gauge builds a constant gauge. Label values come from files on disk, so
// they are made valid UTF-8 first; any other problem becomes an invalid
// metric that Gather reports instead of a panic.
func gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	for i, l := range labels {
		labels[i] = strings.ToValidUTF8(l, "\uFFFD")
	}
	m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, v, labels...)
	if err != nil {
		return prometheus.NewInvalidMetric(d, err)
	}
	return m
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
