package config

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Hooks are commands run after job runs (internal/hooks). Each is an argv
// array, never a shell string; a bare program name is resolved on PATH
// when the config is loaded.
type Hooks struct {
	OnFailure  []string `json:"on_failure,omitempty" toml:"on_failure"`
	OnSuccess  []string `json:"on_success,omitempty" toml:"on_success"`
	PostDeploy []string `json:"post_deploy,omitempty" toml:"post_deploy"`
	OnConflict []string `json:"on_conflict,omitempty" toml:"on_conflict"`
	Timeout    Duration `json:"timeout" toml:"timeout"`
}

// DefaultHookTimeout bounds one hook run.
const DefaultHookTimeout = time.Minute

func (h *Hooks) commands() []struct {
	key  string
	argv []string
} {
	return []struct {
		key  string
		argv []string
	}{
		{"hooks.on_failure", h.OnFailure},
		{"hooks.on_success", h.OnSuccess},
		{"hooks.post_deploy", h.PostDeploy},
		{"hooks.on_conflict", h.OnConflict},
	}
}

// hooks checks every hook command and resolves bare program names on
// PATH, so a typo is a config error now, not a silent failure after the
// next job run.
func (v *validator) hooks(h *Hooks, env Env) {
	if t := h.Timeout.Duration; t < time.Second || t > time.Hour {
		v.add("hooks.timeout", "must be between 1s and 1h, got %s", t)
	}
	for _, c := range h.commands() {
		if len(c.argv) == 0 {
			continue
		}
		for i, a := range c.argv {
			if strings.ContainsRune(a, 0) {
				v.add(c.key, "argument %d holds a NUL byte", i)
				return
			}
		}
		prog := c.argv[0]
		switch {
		case prog == "":
			v.add(c.key, "the program (first element) must not be empty")
		case filepath.IsAbs(prog):
		case strings.Contains(prog, "/"):
			v.add(c.key, "program %q must be an absolute path or a bare name found on PATH", prog)
		default:
			if p := lookPath(prog, env); p != "" {
				c.argv[0] = p
			} else {
				v.add(c.key, "program %q not found on PATH (%s); give an absolute path", prog, env.Getenv("PATH"))
			}
		}
	}
}

// lookPath finds an executable regular file named name in the
// environment's PATH (not this process's: tests and the in-process runner
// pass their own), skipping relative entries as exec.LookPath should.
func lookPath(name string, env Env) string {
	for _, dir := range filepath.SplitList(env.Getenv("PATH")) {
		if !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}
