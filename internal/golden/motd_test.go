package golden

import (
	"strings"
	"testing"
	"time"
)

func TestMOTD(t *testing.T) {
	at := time.Date(2026, 11, 27, 5, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		st         State
		want, none []string
	}{
		{"not run", State{}, []string{"not run yet"}, []string{"GREEN", "RED"}},
		{"green", State{Golden: "/nix/store/g", Boot: &Boot{System: "/nix/store/g", Verdict: Green, Message: "golden generation is healthy", Time: at}},
			[]string{"GREEN - golden generation is healthy", "golden: /nix/store/g", "2026-11-27 05:00:00"}, []string{"RED", "failing"}},
		{"green with wanted failing", State{Boot: &Boot{System: "/nix/store/c", Verdict: Green, Wanted: []string{"backup"}, Time: at}},
			[]string{"GREEN", "failing wanted checks:   backup", "golden: none pinned"}, []string{"failing required"}},
		{"red", State{Golden: "/nix/store/g", Boot: &Boot{System: "/nix/store/c", Verdict: Red, Failing: []string{"ssh", "web"}, Message: "failed boot 1 of 2", Time: at}},
			[]string{"RED - failed boot 1 of 2", "failing required checks: ssh, web", "booted: /nix/store/c"}, []string{"GREEN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MOTD(tt.st)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("motd lacks %q:\n%s", w, got)
				}
			}
			for _, n := range tt.none {
				if strings.Contains(got, n) {
					t.Errorf("motd has %q:\n%s", n, got)
				}
			}
		})
	}
}

func TestNeedsAttention(t *testing.T) {
	for result, want := range map[string]bool{
		ResultGoldenHealthy: false, ResultPinned: false, ResultRetry: false, ResultRolledBack: false,
		ResultGoldenFailing: true, ResultNoGolden: true, ResultGoldenMissing: true,
	} {
		if got := (Outcome{Result: result}).NeedsAttention(); got != want {
			t.Errorf("%s: NeedsAttention = %v, want %v", result, got, want)
		}
	}
}
