package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// SharedDir finds ../shared/<name>, the read-only test inputs that sit
// beside the project's checkout: $env when set, else shared/<name> beside
// the working directory or one of its ancestors (a worktree sits deeper),
// else beside the repository this clone was cloned from (a clean clone
// under /tmp). has names a file the directory must hold. "" when absent.
func SharedDir(name, env, has string) string {
	if d := os.Getenv(env); d != "" {
		return d
	}
	starts := []string{"."}
	if out, err := exec.Command("git", "config", "--get", "remote.origin.url").Output(); err == nil {
		if u := strings.TrimPrefix(strings.TrimSpace(string(out)), "file://"); filepath.IsAbs(u) {
			starts = append(starts, u)
		}
	}
	for _, s := range starts {
		dir, err := filepath.Abs(s)
		if err != nil {
			continue
		}
		for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
			c := filepath.Join(filepath.Dir(dir), "shared", name)
			if _, err := os.Stat(filepath.Join(c, has)); err == nil {
				return c
			}
		}
	}
	return ""
}
