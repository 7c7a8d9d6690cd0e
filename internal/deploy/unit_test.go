package deploy

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/health"
	"github.com/hearth-fleet/hearth/internal/nixsys"
)

func TestOptionsRefuseBadInput(t *testing.T) {
	n := nixsys.New(nixsys.Options{})
	good := Options{StateDir: "/var/lib/hearth", Remote: "/srv/nix-config", Attr: "toplevel", Nix: n}
	tests := []struct {
		name string
		edit func(o *Options)
		want string
	}{
		{"relative state dir", func(o *Options) { o.StateDir = "state" }, `state dir "state"`},
		{"no remote", func(o *Options) { o.Remote = "" }, "system.remote"},
		{"no attr", func(o *Options) { o.Attr = "" }, "system.attr"},
		{"no nix", func(o *Options) { o.Nix = nil }, "no nix"},
		{"relative profile", func(o *Options) { o.Profile = "profiles/system" }, `profile "profiles/system"`},
		{"unknown operation", func(o *Options) { o.Operation = "test" }, `operation "test"`},
		{"lock commits without a host", func(o *Options) { o.CanCommit, o.UpdateInputs = true, true }, "host name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := good
			tt.edit(&o)
			if _, err := o.withDefaults(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	o, err := good.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.Branch != "main" || o.Profile != DefaultProfile || o.Operation != nixsys.ActionSwitch || o.ConfirmTimeout != DefaultConfirmTimeout {
		t.Fatalf("defaults = %+v", o)
	}
}

func TestStateFile(t *testing.T) {
	tests := []struct {
		name        string
		content     string // "" means no file
		wantCorrupt bool
	}{
		{"missing", "", false},
		{"garbage", "{not json", true},
		{"unknown version", `{"version": 99, "deployed": "abc"}`, true},
		{"wrong type", `{"version": 1, "generation": "three"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.content != "" {
				if err := os.WriteFile(statePath(dir), []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			st, err := loadState(dir)
			if got := errors.Is(err, errCorruptState); got != tt.wantCorrupt {
				t.Fatalf("corrupt = %v (err %v), want %v", got, err, tt.wantCorrupt)
			}
			if tt.wantCorrupt && !strings.Contains(err.Error(), statePath(dir)) {
				t.Fatalf("error does not name the file: %v", err)
			}
			if st == nil || st.Deployed != "" || st.Version != stateVersion {
				t.Fatalf("state = %+v, want a fresh one", st)
			}
		})
	}

	// Round trip, and the failure list stays bounded with the newest kept.
	dir := t.TempDir()
	st := &State{Deployed: "d", Pending: &Pending{Commit: "p"}}
	for i := range maxFailures + 5 {
		st.addFailure(Failure{Commit: strings.Repeat("a", i+1), Stage: "build", At: time.Unix(int64(i), 0)})
	}
	st.addFailure(Failure{Commit: "a", Tree: "t", Stage: "confirm"}) // replaces the older "a"
	if err := st.save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := loadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Failed) != maxFailures || back.Deployed != "d" || back.Pending.Commit != "p" {
		t.Fatalf("round trip: %d failures, %+v", len(back.Failed), back)
	}
	if f := back.failure("a", ""); f == nil || f.Stage != "confirm" {
		t.Fatalf("failure(a) = %+v", f)
	}
	if f := back.failure("nope", "t"); f == nil || f.Commit != "a" {
		t.Fatalf("failure by tree = %+v", f)
	}
	if back.failure(strings.Repeat("a", 2), "") != nil {
		t.Fatal("the oldest failures were not dropped")
	}
}

func TestRequiredUnitCheckRefusesEscapes(t *testing.T) {
	sys := t.TempDir()
	if err := os.MkdirAll(filepath.Join(sys, unitDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sys, unitDir, "sshd.service"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		unit     string
		required bool
		want     string // "" means ok
	}{
		{"sshd.service", true, ""},
		{"web.service", false, ""},
		{"web.service", true, "web.service"},
		{"../../../etc/passwd", true, "invalid unit name"},
		{"..", true, "invalid unit name"},
		{"-x.service", true, "invalid unit name"},
	}
	for _, tt := range tests {
		err := checkRequiredUnits(sys, []health.Check{{Name: "c", Unit: tt.unit, Required: tt.required}})
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("unit %q required %v: err = %v, want %q", tt.unit, tt.required, err, tt.want)
		}
	}
}

func TestLineLoggerAndRedaction(t *testing.T) {
	var buf bytes.Buffer
	l := newLineLogger(slog.New(slog.NewTextHandler(&buf, nil)), "nix build")
	for _, chunk := range []string{"buil", "ding a\n\nb\r\n", "tail"} {
		if _, err := l.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	l.Flush()
	out := buf.String()
	if strings.Count(out, `msg="nix build"`) != 3 || !strings.Contains(out, `line="building a"`) || !strings.Contains(out, "line=b\n") || !strings.Contains(out, "line=tail") {
		t.Fatalf("logged:\n%s", out)
	}
	for in, want := range map[string]string{
		"https://user:s3cret@example.org/x.git": "https://user:xxxxx@example.org/x.git",
		"git@github.com:me/nix-config.git":      "git@github.com:me/nix-config.git",
		"/srv/nix-config":                       "/srv/nix-config",
	} {
		if got := redactURL(in); got != want || strings.Contains(got, "s3cret") {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
