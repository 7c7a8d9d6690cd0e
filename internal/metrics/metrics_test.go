package metrics

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/state"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

var t0 = time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)

func rec(job, result string, finished time.Time, secs float64, commit string, details map[string]any) state.Record {
	return state.Record{Job: job, Result: result, Started: finished.Add(-time.Duration(secs * float64(time.Second))),
		Finished: finished, Duration: secs, Commit: commit, Details: details}
}

// expect is one series in the file: metric name, labels "k=v,k=v" sorted, value.
type expect struct {
	name, labels string
	value        float64
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name    string
		records []state.Record
		files   map[string]string // extra files in the state dir
		want    []expect          // must be present with this value
		absent  []string          // metric names that must not appear
	}{
		{
			name:   "empty state dir has no job or boot metrics",
			absent: []string{"hearth_job_last_result", "hearth_boot_attempts", "hearth_system_deployed_commit_info", "hearth_dotfiles_held_targets"},
		},
		{
			name: "last run time, duration and result per job",
			records: []state.Record{
				rec("sync", state.ResultOffline, t0, 1.5, "", nil),
				rec("secrets", state.ResultFailed, t0.Add(time.Minute), 0.25, "", nil),
			},
			want: []expect{
				{"hearth_job_last_run_timestamp_seconds", "job=sync", float64(t0.Unix())},
				{"hearth_job_last_duration_seconds", "job=sync", 1.5},
				{"hearth_job_last_result", "job=sync,result=offline", 1},
				{"hearth_job_last_result", "job=sync,result=ok", 0},
				{"hearth_job_last_result", "job=sync,result=failed", 0},
				{"hearth_job_last_run_timestamp_seconds", "job=secrets", float64(t0.Add(time.Minute).Unix())},
				{"hearth_job_last_result", "job=secrets,result=failed", 1},
				{"hearth_job_last_result", "job=secrets,result=ok", 0},
			},
			absent: []string{"hearth_job_record_corrupt"},
		},
		{
			name:    "without deploy state, the upgrade record's commit is the deployed one",
			records: []state.Record{rec("upgrade", state.ResultFailed, t0, 3, "abc123", map[string]any{"reboot_needed": true})},
			want: []expect{
				{"hearth_system_deployed_commit_info", "commit=abc123", 1},
				{"hearth_job_last_commit_info", "commit=abc123,job=upgrade", 1},
				{"hearth_system_reboot_needed", "", 1},
			},
			absent: []string{"hearth_system_generation"},
		},
		{
			name:    "the deploy state names the deployed commit and generation",
			records: []state.Record{rec("upgrade", state.ResultOK, t0, 90, "abc123", map[string]any{"reboot_needed": false})},
			files:   map[string]string{"upgrade-state.json": `{"version":1,"deployed":"def456","generation":12}`},
			want: []expect{
				{"hearth_system_deployed_commit_info", "commit=def456", 1},
				{"hearth_system_generation", "", 12},
				{"hearth_system_reboot_needed", "", 0},
			},
		},
		{
			name:   "nothing deployed yet",
			files:  map[string]string{"upgrade-state.json": `{"version":1}`},
			absent: []string{"hearth_system_deployed_commit_info", "hearth_system_generation"},
		},
		{
			name: "conflicts from sync, held targets from the later of sync and apply",
			records: []state.Record{
				rec("sync", state.ResultOK, t0, 2, "", map[string]any{"conflicts": 3, "held": 1}),
				rec("apply", state.ResultOK, t0.Add(time.Hour), 1, "", map[string]any{"held": 4}),
			},
			want: []expect{
				{"hearth_dotfiles_conflicts_open", "", 3},
				{"hearth_dotfiles_held_targets", "", 4},
			},
		},
		{
			name: "a sync after apply supplies the held count",
			records: []state.Record{
				rec("sync", state.ResultOK, t0.Add(time.Hour), 2, "", map[string]any{"conflicts": 0, "held": 2}),
				rec("apply", state.ResultOK, t0, 1, "", map[string]any{"held": 4}),
			},
			want: []expect{
				{"hearth_dotfiles_conflicts_open", "", 0},
				{"hearth_dotfiles_held_targets", "", 2},
			},
		},
		{
			name: "golden generation and boot attempts from boot.json",
			files: map[string]string{"boot.json": `{"schema":1,"golden":"/nix/store/aaa-nixos-system","golden_generation":41,
				"golden_since":"2026-11-27T04:00:00Z","candidate":"/nix/store/bbb","attempts":1,"max_attempts":2,
				"boot":{"id":"x","system":"/nix/store/bbb","verdict":"Red","action":"reboot","done":true}}`},
			want: []expect{
				{"hearth_golden_generation", "", 41},
				{"hearth_golden_info", "store_path=/nix/store/aaa-nixos-system", 1},
				{"hearth_golden_pinned_timestamp_seconds", "", float64(t0.Unix())},
				{"hearth_boot_attempts", "", 1},
				{"hearth_boot_max_attempts", "", 2},
				{"hearth_boot_last_verdict", "verdict=red", 1},
				{"hearth_boot_last_verdict", "verdict=green", 0},
				{"hearth_boot_state_corrupt", "", 0},
			},
		},
		{
			name:  "corrupt files are reported, not fatal",
			files: map[string]string{"boot.json": "{not json", "upgrade.json": "garbage"},
			want: []expect{
				{"hearth_boot_state_corrupt", "", 1},
				{"hearth_job_record_corrupt", "job=upgrade", 1},
			},
			absent: []string{"hearth_boot_attempts"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, r := range tc.records {
				if err := state.WriteRecord(dir, r); err != nil {
					t.Fatal(err)
				}
			}
			for name, body := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out := filepath.Join(t.TempDir(), "hearth.prom")
			if err := Write(out, dir); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if old, err := renderClientGolang(collect(dir)); err != nil {
				t.Fatal(err)
			} else if !bytes.Equal(data, old) {
				t.Errorf("file differs from client_golang's rendering:\n%s", lineDiff(string(old), string(data)))
			}
			got := parse(t, out)
			for _, w := range tc.want {
				v, ok := got[w.name+"{"+w.labels+"}"]
				if !ok {
					t.Errorf("missing %s{%s}; have %v", w.name, w.labels, keys(got))
				} else if v != w.value {
					t.Errorf("%s{%s} = %v, want %v", w.name, w.labels, v, w.value)
				}
			}
			for _, name := range tc.absent {
				for k := range got {
					if strings.HasPrefix(k, name+"{") {
						t.Errorf("unexpected series %s", k)
					}
				}
			}
		})
	}
}

func TestWriteReplacesAtomically(t *testing.T) {
	dir, outDir := t.TempDir(), t.TempDir()
	out := filepath.Join(outDir, "hearth.prom")
	if err := os.WriteFile(out, []byte("stale_metric 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := state.WriteRecord(dir, rec("sync", state.ResultOK, t0, 1, "", nil)); err != nil {
		t.Fatal(err)
	}
	if err := Write(out, dir); err != nil {
		t.Fatal(err)
	}
	got := parse(t, out)
	if _, ok := got["stale_metric{}"]; ok {
		t.Error("old content survived the rewrite")
	}
	if _, ok := got["hearth_job_last_result{job=sync,result=ok}"]; !ok {
		t.Errorf("new content missing: %v", keys(got))
	}
	entries, err := os.ReadDir(outDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("metrics dir holds %d entries, want only hearth.prom (no temp files left)", len(entries))
	}
}

func TestWriteRefusesBadPaths(t *testing.T) {
	tests := []struct{ name, file string }{
		{"relative", "hearth.prom"},
		{"missing parent", filepath.Join(t.TempDir(), "no", "such", "dir", "hearth.prom")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Write(tc.file, t.TempDir())
			if err == nil {
				t.Fatal("Write succeeded")
			}
			if !strings.Contains(err.Error(), "hearth.prom") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// parse reads the textfile back with Prometheus' own parser (so a format
// error fails the test) and flattens it to "name{k=v,...}" -> value.
func parse(t *testing.T, path string) map[string]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("%s does not parse as the Prometheus text format: %v", path, err)
	}
	out := map[string]float64{}
	for name, fam := range fams {
		for _, m := range fam.GetMetric() {
			out[name+"{"+labelString(m)+"}"] = value(fam, m)
		}
	}
	return out
}

func labelString(m *dto.Metric) string {
	var ls []string
	for _, l := range m.GetLabel() {
		ls = append(ls, l.GetName()+"="+l.GetValue())
	}
	sort.Strings(ls)
	return strings.Join(ls, ",")
}

func value(fam *dto.MetricFamily, m *dto.Metric) float64 {
	if fam.GetType() == dto.MetricType_GAUGE {
		return m.GetGauge().GetValue()
	}
	return m.GetUntyped().GetValue()
}

func keys(m map[string]float64) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
