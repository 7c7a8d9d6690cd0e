package secrets

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// TestNothingLogsAValue captures every log record (debug level) and the
// JSON report of installs that add, change, keep and fail, and checks that
// no secret value appears anywhere in them. TestExecDecrypter runs the same
// through the hearth-sops helper, with its stderr captured too.
func TestNothingLogsAValue(t *testing.T) {
	f := newFixture(t)
	testNoLeak(t, f, nil)
}

// testNoLeak runs installs and a check with f's decrypter; helperOut, when
// set, returns what else was captured (the helper's stderr) to search too.
func testNoLeak(t *testing.T, f *fixture, helperOut func() string) {
	values := []string{"s3cr3t-yaml-Q7w", "s3cr3t-json-Z1x", "s3cr3t-env-P0o", "s3cr3t-bin-M4n", "s3cr3t-yaml-CHANGED-K2j"}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	y := f.sops("s.yaml", "yaml", "a:\n  b: "+values[0]+"\n")
	j := f.sops("s.json", "json", `{"k": "`+values[1]+`"}`)
	e := f.sops("s.env", "dotenv", "K="+values[2]+"\n")
	b := f.sops("s.bin", "binary", values[3])
	o := f.opts(
		Spec{Name: "y", SopsFile: y, Key: "a/b", RestartUnits: []string{"y.service"}},
		Spec{Name: "j", SopsFile: j, Key: "k"},
		Spec{Name: "e", SopsFile: e, Key: "K"},
		Spec{Name: "b", SopsFile: b},
	)
	o.Logger = logger
	var out bytes.Buffer
	record := func(rep Report, err error) {
		if err := json.NewEncoder(&out).Encode(rep); err != nil {
			t.Fatal(err)
		}
		if err != nil {
			out.WriteString(err.Error() + "\n")
		}
	}
	record(Install(t.Context(), o))
	record(Install(t.Context(), o)) // unchanged
	f.sops("s.yaml", "yaml", "a:\n  b: "+values[4]+"\n")
	record(Install(t.Context(), o)) // changed
	bad := o
	bad.Secrets = append([]Spec{}, o.Secrets...)
	bad.Secrets[1].Key = "missing"
	record(Install(t.Context(), bad)) // failed
	_, other := f.newKey("other.txt")
	wrongKey := o
	wrongKey.AgeKeyFile = other
	record(Install(t.Context(), wrongKey)) // failed to decrypt
	record(Report{}, Check(t.Context(), o))

	if logs.Len() == 0 || out.Len() == 0 {
		t.Fatal("captured nothing; the test would pass vacuously")
	}
	captured := map[string]string{"log": logs.String(), "report or error": out.String()}
	if helperOut != nil {
		captured["helper stderr"] = helperOut()
	}
	for what, text := range captured {
		for _, v := range values {
			if strings.Contains(text, v) {
				t.Errorf("%s contains value %q:\n%s", what, v, text)
			}
		}
	}
}
