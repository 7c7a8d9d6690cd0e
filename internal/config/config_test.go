package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testEnv(home string) Env {
	return Env{
		Getenv:   func(k string) string { return map[string]string{"HOME": home}[k] },
		UID:      1000,
		Hostname: func() (string, error) { return "testhost", nil },
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := Parse("", nil, testEnv("/home/u"))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"host", cfg.Host, "testhost"},
		{"state_dir", cfg.StateDir, "/home/u/.local/state/hearth"},
		{"source_dir", cfg.Dotfiles.SourceDir, "/home/u/.local/share/chezmoi"},
		{"target_dir", cfg.Dotfiles.TargetDir, "/home/u"},
		{"policy", cfg.Dotfiles.ConflictPolicy, "newest"},
		{"profile", cfg.System.Profile, "/nix/var/nix/profiles/system"},
		{"secrets root", cfg.Secrets.Root, "/run/secrets"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !cfg.Fleet.PublishOn() || cfg.Fleet.StaleAfter.Duration != time.Hour || cfg.Fleet.PublishInterval.Duration != 5*time.Minute {
		t.Errorf("fleet defaults wrong: %+v", cfg.Fleet)
	}
	if cfg.System.ConfirmTimeout.Duration != 2*time.Minute || cfg.Boot.MaxAttempts != 2 {
		t.Errorf("duration/attempt defaults wrong: %+v %+v", cfg.System.ConfirmTimeout, cfg.Boot.MaxAttempts)
	}
}

func TestStateDirDefaults(t *testing.T) {
	tests := []struct {
		name string
		uid  int
		xdg  string
		want string
	}{
		{"root", 0, "/x", "/var/lib/hearth"},
		{"user xdg", 1000, "/xdg/state", "/xdg/state/hearth"},
		{"user no xdg", 1000, "", "/home/u/.local/state/hearth"},
		{"user relative xdg ignored", 1000, "rel", "/home/u/.local/state/hearth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := Env{UID: tt.uid, Hostname: func() (string, error) { return "h", nil }, Getenv: func(k string) string {
				return map[string]string{"HOME": "/home/u", "XDG_STATE_HOME": tt.xdg}[k]
			}}
			cfg, err := Parse("", nil, env)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.StateDir != tt.want {
				t.Errorf("state_dir = %q, want %q", cfg.StateDir, tt.want)
			}
		})
	}
}

func TestExampleConfigsAreValid(t *testing.T) {
	files, _ := filepath.Glob("testdata/good/*.toml")
	files = append(files, "../../examples/config.toml")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cfg, err := Load(f, true, testEnv("/home/u"))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.File != f {
				t.Errorf("File = %q", cfg.File)
			}
		})
	}
}

func TestFullConfig(t *testing.T) {
	cfg, err := Load("testdata/good/full.toml", true, testEnv("/home/u"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Dotfiles.SourceDir != "/home/u/dots" {
		t.Errorf("~ not expanded: %q", cfg.Dotfiles.SourceDir)
	}
	if got := cfg.Secrets.Secrets[0].Mode.FileMode; got != 0o440 {
		t.Errorf("mode = %o", got)
	}
	if cfg.Boot.Checks[1].IsRequired() {
		t.Errorf("check %q should be wanted, not required", cfg.Boot.Checks[1].Name)
	}
	if cfg.Boot.Checks[0].Timeout.Duration != 10*time.Second || cfg.Boot.Checks[1].Timeout.Duration != 3*time.Second {
		t.Errorf("check timeouts: %v %v", cfg.Boot.Checks[0].Timeout, cfg.Boot.Checks[1].Timeout)
	}
}

// Every file under testdata/bad starts with a comment line
// "# want: <line> <key> <substring>"; the error must carry exactly that line
// and key, and name the file.
func TestBadConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/*.toml")
	if len(files) < 8 {
		t.Fatalf("want at least 8 bad config files, have %d", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(data), "\n")
			var line int
			var key, sub string
			fields := strings.SplitN(strings.TrimPrefix(first, "# want: "), " ", 3)
			if len(fields) != 3 {
				t.Fatalf("%s: first line must be '# want: LINE KEY SUBSTRING'", f)
			}
			if _, err := fmt.Sscan(fields[0], &line); err != nil {
				t.Fatal(err)
			}
			key, sub = fields[1], fields[2]

			cfg, err := Load(f, true, testEnv("/home/u"))
			if err == nil {
				t.Fatalf("accepted bad config: %+v", cfg)
			}
			var found bool
			for _, e := range flatten(err) {
				var ce *Error
				if errors.As(e, &ce) && ce.Line == line && ce.Key == key && strings.Contains(ce.Msg, sub) {
					found = true
				}
			}
			if !found {
				t.Fatalf("error does not carry line %d, key %s, %q:\n%v", line, key, sub, err)
			}
			if !strings.Contains(err.Error(), f) {
				t.Errorf("error does not name the file %s: %v", f, err)
			}
			if !IsConfigError(err) {
				t.Errorf("IsConfigError = false for %v", err)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	if _, err := Load("/nonexistent/hearth.toml", true, testEnv("/h")); err == nil || !strings.Contains(err.Error(), "/nonexistent/hearth.toml") {
		t.Fatalf("explicit missing file: err = %v", err)
	}
	if _, err := Load("/nonexistent/hearth.toml", false, testEnv("/h")); err != nil {
		t.Fatalf("default path missing should give defaults, got %v", err)
	}
}

func TestLocate(t *testing.T) {
	env := testEnv("/h")
	env.Dir = "/work"
	if p, ex := Locate("", env); p != DefaultPath || ex {
		t.Errorf("no flag: %q %v", p, ex)
	}
	if p, ex := Locate("c.toml", env); p != "/work/c.toml" || !ex {
		t.Errorf("relative flag: %q %v", p, ex)
	}
	env.Getenv = func(k string) string { return map[string]string{"HEARTH_CONFIG": "/etc/x.toml"}[k] }
	if p, ex := Locate("", env); p != "/etc/x.toml" || !ex {
		t.Errorf("env: %q %v", p, ex)
	}
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}
