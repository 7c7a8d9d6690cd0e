package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// syncRecord is the sync job's status record as `hearth status --json` shows it.
type syncRecord struct {
	Result  string
	Error   string
	Details map[string]any
}

func statusSync(t *testing.T, h *clitest.Host) syncRecord {
	t.Helper()
	var st struct {
		Jobs []struct {
			Job    string
			Record *syncRecord
		}
	}
	out := h.MustRun(t, "status", "--json").Stdout
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	for _, j := range st.Jobs {
		if j.Job == "sync" && j.Record != nil {
			return *j.Record
		}
	}
	t.Fatalf("no sync record in status:\n%s", out)
	return syncRecord{}
}

// TestBadEntryDoesNotStopSync: a template with a syntax error pushed from
// one host neither fails a round (exit 0, result held, the failure listed
// in sync --json, status --json and the metrics) nor stops later rounds
// from merging: the fix pushed from the same host reaches the other host on
// its next round and is applied.
func TestBadEntryDoesNotStopSync(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	hs := dotfileHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	metrics := filepath.Join(b.Root, "hearth.prom")
	b.WriteConfig(t, fmt.Sprintf("metrics_file = %q\n[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\n",
		metrics, r.FileURL(), filepath.Join(b.Root, "source"), b.Home))
	a.MustRun(t, "sync")
	b.MustRun(t, "sync")

	aSource := filepath.Join(a.Root, "source")
	writeFile(t, filepath.Join(aSource, "dot_broken.tmpl"), "{{ if }\n")
	writeFile(t, filepath.Join(aSource, "dot_good"), "good\n")
	if res := a.Run(t.Context(), "sync"); res.Code != 0 {
		t.Fatalf("a: sync of a broken template: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if _, err := testutil.GitErr(r.Dir, "cat-file", "-e", "main:dot_broken.tmpl"); err != nil {
		t.Fatal("a did not push the broken template")
	}

	res := b.Run(t.Context(), "sync", "--json")
	if res.Code != 0 {
		t.Fatalf("b: sync after the broken template arrived: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	var out struct {
		Result string
		Sync   struct {
			Problems []struct{ Step, Error string }
		}
		Held []struct{ Target, Source, Reason string }
	}
	if err := json.Unmarshal([]byte(res.Stdout), &out); err != nil {
		t.Fatalf("sync --json: %v\n%s", err, res.Stdout)
	}
	named := func() bool {
		for _, p := range out.Sync.Problems {
			if strings.Contains(p.Error, "dot_broken.tmpl") {
				return true
			}
		}
		for _, h := range out.Held {
			if h.Source == "dot_broken.tmpl" || h.Target == ".broken" || strings.Contains(h.Reason, "dot_broken.tmpl") {
				return true
			}
		}
		return false
	}
	if out.Result != "held" || !named() {
		t.Errorf("b: sync --json does not hold the broken template: %s", res.Stdout)
	}
	// A per-entry hold (the engine's own) applies every other entry; a
	// failure of the whole apply step applies none, until the fix.
	if len(out.Sync.Problems) == 0 && readFileOr(filepath.Join(b.Home, ".good")) != "good\n" {
		t.Errorf("b: the good entry was not applied beside the held one")
	}
	rec := statusSync(t, b)
	if rec.Result != "held" {
		t.Errorf("b: status record result %q, want held", rec.Result)
	}
	if !strings.Contains(string(mustJSON(t, rec.Details)), "dot_broken.tmpl") && rec.Details["held"] == 0.0 {
		t.Errorf("b: the status record neither names the broken template nor counts a hold: %+v", rec.Details)
	}
	if st := b.MustRun(t, "status").Stdout; !strings.Contains(st, "dot_broken.tmpl") && !strings.Contains(st, "held .broken") {
		t.Errorf("b: status does not list the broken template:\n%s", st)
	}
	if m := readFile(t, metrics); !strings.Contains(m, `hearth_job_last_result{job="sync",result="held"} 1`) {
		t.Errorf("b: metrics do not show the held round:\n%s", m)
	}
	// The next round, with the broken template now in b's own source, still
	// syncs.
	if res := b.Run(t.Context(), "sync"); res.Code != 0 {
		t.Fatalf("b: second round with the broken template: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}

	writeFile(t, filepath.Join(aSource, "dot_broken.tmpl"), "fixed on {{ .hearth.host }}\n")
	a.MustRun(t, "sync")
	fix := r.Head(t, "main")
	res = b.Run(t.Context(), "sync")
	if res.Code != 0 {
		t.Fatalf("b: round after the fix: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if got := readFileOr(filepath.Join(b.Home, ".broken")); got != "fixed on b\n" {
		t.Errorf("b: the fix was not applied: .broken = %q\n%s%s", got, res.Stdout, res.Stderr)
	}
	if got := readFileOr(filepath.Join(b.Home, ".good")); got != "good\n" {
		t.Errorf("b: .good = %q after the fix", got)
	}
	if rec := statusSync(t, b); rec.Result != "ok" {
		t.Errorf("b: status after the fix: %+v", rec)
	}
	if head := testutil.Git(t, filepath.Join(b.Root, "source"), "rev-parse", "HEAD"); head != fix && !isAncestor(t, filepath.Join(b.Root, "source"), fix, head) {
		t.Errorf("b: HEAD %s does not contain the fix %s", head, fix)
	}
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFileOr(p string) string {
	b, err := os.ReadFile(filepath.Clean(p))
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func isAncestor(t *testing.T, dir, a, b string) bool {
	_, err := testutil.GitErr(dir, "merge-base", "--is-ancestor", a, b)
	return err == nil
}
