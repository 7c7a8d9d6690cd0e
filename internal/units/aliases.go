package units

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hearth-fleet/hearth/internal/state"
)

// Alias is one of the original setup's command names, kept as a thin
// wrapper around a hearth command. nix/lib.nix holds the same table for the
// NixOS module; a test keeps the two equal.
type Alias struct {
	Name string
	Args []string // hearth arguments; the wrapper appends its own
}

// Aliases are the command names of DESIGN section 7.
var Aliases = []Alias{
	{"chezmoi-sync", []string{"sync"}},
	{"chezmoi-status", []string{"status"}},
	{"chezmoi-show-conflicts", []string{"conflicts"}},
	{"show-boot-status", []string{"boot", "status"}},
	{"show-golden", []string{"golden", "show"}},
	{"pin-golden", []string{"golden", "pin"}},
	{"rollback-to-golden", []string{"golden", "rollback"}},
}

// Wrapper is the shell script for alias a calling binary (with config, if set).
func Wrapper(a Alias, binary, config string) string {
	args := []string{shellQuote(binary)}
	if config != "" {
		args = append(args, "--config", shellQuote(config))
	}
	for _, x := range a.Args {
		args = append(args, shellQuote(x))
	}
	return fmt.Sprintf("#!/bin/sh\n# %s: the original setup's name for hearth %s\nexec %s \"$@\"\n",
		a.Name, strings.Join(a.Args, " "), strings.Join(args, " "))
}

// InstallAliases writes every alias as an executable wrapper into dir.
func InstallAliases(dir, binary, config string) error {
	if !filepath.IsAbs(dir) {
		return fmt.Errorf("alias dir %q: not an absolute path", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("alias dir %s: %w", dir, err)
	}
	for _, a := range Aliases {
		if err := state.WriteFileAtomic(filepath.Join(dir, a.Name), []byte(Wrapper(a, binary, config)), 0o755); err != nil {
			return fmt.Errorf("alias %s: %w", a.Name, err)
		}
	}
	return nil
}

// shellQuote quotes s for /bin/sh when it holds anything but safe characters.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-=:+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
