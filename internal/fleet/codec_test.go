package fleet

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)

const commitA = "0123456789abcdef0123456789abcdef01234567"

func validRecord() *Record {
	healthy := t0.Add(-time.Hour)
	wave := 1
	return &Record{
		Version: Version, Host: "alpha", HearthVersion: "v1.2.3", Time: t0, Seq: 3,
		DeployedCommit: commitA, DeployedHealthySince: &healthy, Generation: 42, Golden: 41,
		BootVerdict: "good", Wave: &wave,
		Jobs: map[string]JobRun{
			JobSync:    {Result: "ok", Time: t0},
			JobUpgrade: {Result: "failed", Time: t0, Commit: commitA, Error: "build failed: exit 1"},
		},
		Conflicts:  []string{".bashrc"},
		Held:       []string{".config/x"},
		BadCommits: []BadCommit{{Commit: commitA, Stage: "confirm", Error: "health check failed", Time: t0}},
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	rec := validRecord()
	data, err := Encode(rec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data, "refs/hearth/hosts/alpha", "alpha")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Encode(got)
	if string(again) != string(data) {
		t.Fatalf("round trip changed the record:\n%s\n%s", data, again)
	}
	if !got.HealthyAt(commitA, t0) || got.HealthyAt(commitA, t0.Add(-2*time.Hour)) || got.FoundBad(commitA) == nil {
		t.Fatalf("helpers disagree with the record: %+v", got)
	}
}

// TestDecodeRefusesHostile feeds records a hostile remote could hold; each
// must be refused with an error naming the ref, never accepted.
func TestDecodeRefusesHostile(t *testing.T) {
	mutate := func(f func(m map[string]any)) []byte {
		data, err := json.Marshal(validRecord())
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		out, _ := json.Marshal(m)
		return out
	}
	many := func(n int, s string) []any {
		l := make([]any, n)
		for i := range l {
			l[i] = s
		}
		return l
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not json", []byte("hello"), "not a JSON object"},
		{"huge", []byte(`{"version":1,"host":"alpha","x":"` + strings.Repeat("a", MaxRecordBytes) + `"}`), "more than"},
		{"deep", []byte(strings.Repeat("[", 20000) + strings.Repeat("]", 20000)), "host record"},
		{"deep in unknown field", []byte(`{"version":1,"x":` + strings.Repeat("[", 12000) + strings.Repeat("]", 12000) + `}`), "host record"},
		{"future version", mutate(func(m map[string]any) { m["version"] = 2 }), "unsupported host record version 2"},
		{"version as string", mutate(func(m map[string]any) { m["version"] = "1" }), "unsupported host record version"},
		{"no version", mutate(func(m map[string]any) { delete(m, "version") }), "unsupported host record version"},
		{"host with slash", mutate(func(m map[string]any) { m["host"] = "a/b" }), "host name"},
		{"host with dotdot", mutate(func(m map[string]any) { m["host"] = "a..b" }), "host name"},
		{"other host", mutate(func(m map[string]any) { m["host"] = "beta" }), `names host "beta"`},
		{"escape in error", mutate(func(m map[string]any) {
			m["jobs"] = map[string]any{"sync": map[string]any{"result": "failed", "time": t0, "error": "\x1b]0;pwned\x07"}}
		}), "control character"},
		{"bidi override in conflict", mutate(func(m map[string]any) { m["conflicts"] = []any{"a\u202eb"} }), "control character"},
		{"long error", mutate(func(m map[string]any) {
			m["jobs"] = map[string]any{"sync": map[string]any{"result": "failed", "time": t0, "error": strings.Repeat("x", MaxErrorLen+1)}}
		}), "more than"},
		{"too many conflicts", mutate(func(m map[string]any) { m["conflicts"] = many(MaxListLen+1, "f") }), "more than"},
		{"too many bad commits", mutate(func(m map[string]any) {
			l := make([]any, MaxBadCommits+1)
			for i := range l {
				l[i] = map[string]any{"commit": commitA, "stage": "build", "time": t0}
			}
			m["bad_commits"] = l
		}), "more than"},
		{"short commit", mutate(func(m map[string]any) { m["deployed_commit"] = "abc" }), "not a full commit id"},
		{"job name with space", mutate(func(m map[string]any) {
			m["jobs"] = map[string]any{"a b": map[string]any{"result": "ok", "time": t0}}
		}), "unexpected character"},
		{"result with newline", mutate(func(m map[string]any) {
			m["jobs"] = map[string]any{"sync": map[string]any{"result": "ok\nfake", "time": t0}}
		}), "unexpected character"},
		{"no time", mutate(func(m map[string]any) { delete(m, "time") }), "time: missing"},
		{"negative generation", mutate(func(m map[string]any) { m["generation"] = -1 }), "negative"},
		{"seq zero", mutate(func(m map[string]any) { m["seq"] = 0 }), "seq"},
		{"invalid utf8", []byte("{\"version\":1,\"host\":\"alpha\",\"conflicts\":[\"\xff\"]}"), "host record"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := Decode(tc.data, "refs/hearth/hosts/alpha", "alpha")
			if err == nil {
				t.Fatalf("accepted: %+v", rec)
			}
			if !strings.Contains(err.Error(), "refs/hearth/hosts/alpha") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q: want the ref and %q", err, tc.want)
			}
		})
	}
}

func TestDecodeFutureVersionIsErrVersion(t *testing.T) {
	_, err := Decode([]byte(`{"version":7,"host":"alpha"}`), "refs/hearth/hosts/alpha", "alpha")
	if !errors.Is(err, ErrVersion) || !strings.Contains(err.Error(), "alpha") {
		t.Fatalf("got %v, want ErrVersion naming the host's ref", err)
	}
}

func TestDecodeIgnoresUnknownFields(t *testing.T) {
	data, _ := Encode(validRecord())
	data = []byte(strings.Replace(string(data), "{", `{"added_later": {"x": [1,2]},`, 1))
	if _, err := Decode(data, "refs/hearth/hosts/alpha", "alpha"); err != nil {
		t.Fatalf("a newer writer's optional field must be ignored: %v", err)
	}
}

func TestCheckHost(t *testing.T) {
	for _, ok := range []string{"alpha", "a", "web-01", "host.example.com", "A_b"} {
		if err := CheckHost(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", ".x", "a..b", "a/b", "x.lock", "x.", "a b", "a:b", "a~1", "a^", "a*", "a\\b", "a\x00", "é", strings.Repeat("h", 64), "refs/../x"} {
		if err := CheckHost(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestShortErrorFitsARecord(t *testing.T) {
	s := ShortError("line one\nline\x1b[31m two\u202e" + strings.Repeat("é", 2*MaxErrorLen))
	if err := checkText(s, MaxErrorLen); err != nil {
		t.Fatalf("ShortError gave %q: %v", s, err)
	}
	if strings.ContainsAny(s, "\n\x1b\u202e") {
		t.Fatalf("control characters kept: %q", s)
	}
}
