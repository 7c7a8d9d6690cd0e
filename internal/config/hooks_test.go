package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Hook commands are argv arrays checked at load: a bare name is resolved on
// the environment's PATH, a relative path or an empty program is refused,
// and each error names its key and line.
func TestHookValidation(t *testing.T) {
	bin := t.TempDir()
	notify := filepath.Join(bin, "notify")
	if err := os.WriteFile(notify, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "plain"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := testEnv("/home/u")
	env.Getenv = func(k string) string {
		return map[string]string{"HOME": "/home/u", "PATH": "relative:" + bin}[k]
	}
	tests := []struct {
		name    string
		toml    string
		wantErr string // "" means valid
		want    []string
	}{
		{name: "absolute", toml: `on_failure = ["/usr/bin/logger", "-t", "hearth"]`, want: []string{"/usr/bin/logger", "-t", "hearth"}},
		{name: "resolved on PATH", toml: `on_failure = ["notify", "x"]`, want: []string{notify, "x"}},
		{name: "not on PATH", toml: "\non_failure = [\"nosuch\"]", wantErr: `:3: key hooks.on_failure: program "nosuch" not found on PATH`},
		{name: "not executable", toml: `on_success = ["plain"]`, wantErr: `key hooks.on_success: program "plain" not found`},
		{name: "relative path", toml: `post_deploy = ["bin/x"]`, wantErr: `key hooks.post_deploy: program "bin/x" must be an absolute path`},
		{name: "empty program", toml: `on_conflict = ["", "a"]`, wantErr: "key hooks.on_conflict: the program (first element) must not be empty"},
		{name: "NUL", toml: `on_success = ["/bin/true", "a\u0000b"]`, wantErr: "key hooks.on_success: argument 1 holds a NUL byte"},
		{name: "shell string", toml: `on_success = "/bin/true"`, wantErr: "hooks.on_success"},
		{name: "timeout too long", toml: `timeout = "2h"`, wantErr: "key hooks.timeout: must be between 1s and 1h"},
		{name: "unknown key", toml: `on_boot = ["/bin/true"]`, wantErr: "key hooks.on_boot: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("/etc/hearth.toml", []byte("[hooks]\n"+tt.toml+"\n"), env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := append(append(append(cfg.Hooks.OnFailure, cfg.Hooks.OnSuccess...), cfg.Hooks.PostDeploy...), cfg.Hooks.OnConflict...)
			if strings.Join(got, "\x00") != strings.Join(tt.want, "\x00") {
				t.Errorf("hook argv = %q, want %q", got, tt.want)
			}
			if cfg.Hooks.Timeout.Duration != time.Minute {
				t.Errorf("default timeout %s", cfg.Hooks.Timeout)
			}
		})
	}
}
