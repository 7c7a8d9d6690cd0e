package fleet

import (
	"errors"
	"testing"
	"time"
)

func TestRowsStaleAndTip(t *testing.T) {
	now := t0
	rec := func(host string, at time.Time, deployed string) *Record {
		r := validRecord()
		r.Host, r.Time, r.DeployedCommit = host, at, deployed
		return r
	}
	const other = "1111111111111111111111111111111111111111"
	entries := []Entry{
		{Host: "fresh", Record: rec("fresh", now.Add(-59*time.Minute), commitA)},
		{Host: "silent", Record: rec("silent", now.Add(-61*time.Minute), other)},
		{Host: "future", Record: rec("future", now.Add(2*time.Hour), commitA)},
		{Host: "broken", Err: errors.New("bad record")},
	}
	rows := Rows(entries, commitA, now, time.Hour)
	want := map[string]struct{ stale, atTip bool }{
		"fresh": {false, true}, "silent": {true, false}, "future": {true, true}, "broken": {true, false},
	}
	for _, r := range rows {
		w := want[r.Host]
		if r.Stale != w.stale {
			t.Errorf("%s: stale %v, want %v", r.Host, r.Stale, w.stale)
		}
		if r.Host == "broken" {
			if r.Error == "" || r.AtTip != nil || r.Seen != nil {
				t.Errorf("broken: %+v", r)
			}
			continue
		}
		if r.AtTip == nil || *r.AtTip != w.atTip {
			t.Errorf("%s: at tip %v, want %v", r.Host, r.AtTip, w.atTip)
		}
	}
	if rows := Rows(entries[:1], "", now, time.Hour); rows[0].AtTip != nil {
		t.Error("at_tip claimed with no tip known")
	}
}
