package metrics

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/state"
)

// goldenFile is the output the client_golang-based renderer (before hearth
// wrote the format itself) produced for fullStateDir; the hand-written
// renderer must reproduce it byte for byte.
const goldenFile = "testdata/full.prom"

// fullStateDir builds a state dir that exercises every metric family, label
// values that need escaping or UTF-8 repair, an unknown result, a corrupt
// record and floats of several shapes.
func fullStateDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	nanos := t0.Add(123456789 * time.Nanosecond)
	records := []state.Record{
		rec("sync", state.ResultOK, t0, 0.1, "", map[string]any{"conflicts": 2, "held": 1}),
		rec("apply", state.ResultNoop, t0.Add(-time.Hour), 1e-7, "", map[string]any{"held": 5}),
		rec("upgrade", state.ResultFailed, nanos, 1234.5678, "c0ffee\"quoted\\back\nslash", map[string]any{"reboot_needed": true}),
		rec("secrets", "exploded", t0.Add(time.Minute), 2.5e9, "bad\xffutf8", nil),
		rec("golden", state.ResultPending, time.Time{}, 3, "", nil),
		rec(`odd"job\name`, state.ResultOffline, t0, 42, "", nil),
		rec("two\nlines", state.ResultOK, t0, 7, "", nil),
	}
	for _, r := range records {
		if err := state.WriteRecord(dir, r); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		// Parses as a record of another job, so status calls it corrupt.
		"stray.json":         `{"job":"other","result":"ok"}`,
		"upgrade-state.json": `{"version":1,"deployed":"def\"456","generation":7}`,
		"boot.json": `{"schema":1,"golden":"/nix/store/aaa-\"sys\"\\x","golden_generation":41,
			"golden_since":"2026-11-27T04:00:00.5Z","attempts":0,"max_attempts":3,
			"boot":{"verdict":"green"}}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRenderMatchesClientGolangGolden(t *testing.T) {
	want, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Render(fullStateDir(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Render differs from %s (client_golang's output):\n%s", goldenFile, lineDiff(string(want), string(got)))
	}
}

// TestRenderMatchesClientGolang holds today's series, whatever they become,
// to client_golang's rendering of the same series.
func TestRenderMatchesClientGolang(t *testing.T) {
	dir := fullStateDir(t)
	got, err := Render(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := renderClientGolang(collect(dir))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Render differs from client_golang:\n%s", lineDiff(string(want), string(got)))
	}
}

// lineDiff lists the lines only one side has, enough to see what changed.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	in := func(lines []string) map[string]bool {
		m := map[string]bool{}
		for _, l := range lines {
			m[l] = true
		}
		return m
	}
	wm, gm := in(wl), in(gl)
	var b strings.Builder
	for _, l := range wl {
		if !gm[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range gl {
		if !wm[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	if b.Len() == 0 {
		b.WriteString("(same lines, different order)\n")
	}
	return b.String()
}
