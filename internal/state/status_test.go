package state

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStatusRecords(t *testing.T) {
	dir := tempDir(t)
	// No state dir at all: every job is "never run", no error.
	for _, e := range ReadAll(filepath.Join(dir, "missing")) {
		if e.Record != nil || e.Problem != "never run" {
			t.Fatalf("empty state: %+v", e)
		}
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := Record{Job: "sync", Result: ResultOK, Started: start, Finished: start.Add(1500 * time.Millisecond), Commit: "abc"}
	if err := WriteRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRecord(dir, "sync")
	if err != nil {
		t.Fatal(err)
	}
	if got.Duration != 1.5 || got.Commit != "abc" || !got.Finished.Equal(rec.Finished) {
		t.Fatalf("round trip: %+v", got)
	}
}

func TestCorruptRecordReportedAndReplaced(t *testing.T) {
	tests := []struct{ name, content string }{
		{"truncated json", `{"job": "upgrade", "res`},
		{"binary garbage", "\x00\x01\x02"},
		{"wrong job", `{"job": "sync", "result": "ok"}`},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tempDir(t)
			p := filepath.Join(dir, "upgrade.json")
			if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadRecord(dir, "upgrade")
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), p) {
				t.Fatalf("want ErrCorrupt naming %s, got %v", p, err)
			}
			var found bool
			for _, e := range ReadAll(dir) {
				if e.Job == "upgrade" {
					found = e.Record == nil && strings.Contains(e.Problem, "corrupt")
				}
			}
			if !found {
				t.Fatal("ReadAll does not report the corrupt record")
			}
			if err := WriteRecord(dir, Record{Job: "upgrade", Result: ResultFailed}); err != nil {
				t.Fatal(err)
			}
			if r, err := ReadRecord(dir, "upgrade"); err != nil || r.Result != ResultFailed {
				t.Fatalf("not replaced: %+v %v", r, err)
			}
		})
	}
}
