package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/secrets"
	"github.com/hearth-fleet/hearth/internal/units"
)

// minGit is the oldest git hearth works with (merge-tree --write-tree).
var minGit = [2]int{2, 38}

// remoteTimeout bounds one git ls-remote.
const remoteTimeout = 30 * time.Second

// runChecks runs every check; none stops the others.
func runChecks(ctx context.Context, a *app) []checkResult {
	var out []checkResult
	add := func(check, result, format string, args ...any) {
		out = append(out, checkResult{Check: check, Result: result, Message: fmt.Sprintf(format, args...)})
	}
	git := a.lookPath("git")
	checkGit(ctx, git, add)
	cfg, err := a.config()
	if err != nil {
		add("config", checkError, "%v", err)
	} else if cfg.File == "" {
		add("config", checkOK, "no config file; all defaults")
	} else {
		add("config", checkOK, "%s", cfg.File)
	}
	checkNix(ctx, a, cfg, add)
	if cfg == nil {
		return out
	}
	checkAgeKeys(a, cfg, add)
	for _, r := range []struct{ key, url string }{{"dotfiles.remote", cfg.Dotfiles.Remote}, {"system.remote", cfg.System.Remote}} {
		if r.url != "" {
			checkRemote(ctx, git, r.key, r.url, add)
		}
	}
	checkUnits(a, cfg, add)
	checkSourceClone(ctx, git, cfg, add)
	if prog, err := secrets.FindHelper(); err == nil {
		add(secrets.HelperName, checkOK, "%s", prog)
	} else if len(cfg.Secrets.Secrets) > 0 {
		add(secrets.HelperName, checkError, "%v", err)
	} else {
		add(secrets.HelperName, checkWarning, "%v (needed only for secrets)", err)
	}
	return out
}

type addCheck func(check, result, format string, args ...any)

// lookPath finds a program on the invocation's PATH ("" when absent).
func (a *app) lookPath(name string) string {
	for _, dir := range filepath.SplitList(a.inv.Env.Getenv("PATH")) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p
		}
	}
	return ""
}

var versionRE = regexp.MustCompile(`(\d+)\.(\d+)(\.\d+)?`)

func checkGit(ctx context.Context, git string, add addCheck) {
	if git == "" {
		add("git", checkError, "git not found on PATH")
		return
	}
	out, err := exec.CommandContext(ctx, git, "--version").Output()
	if err != nil {
		add("git", checkError, "%s --version: %v", git, err)
		return
	}
	line := strings.TrimSpace(string(out))
	m := versionRE.FindStringSubmatch(line)
	if m == nil {
		add("git", checkError, "cannot read the version of %s: %q", git, line)
		return
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	if major < minGit[0] || (major == minGit[0] && minor < minGit[1]) {
		add("git", checkError, "%s is older than %d.%d, which hearth needs (git merge-tree --write-tree)", line, minGit[0], minGit[1])
		return
	}
	add("git", checkOK, "%s (%s)", line, git)
}

// checkNix: nix is needed by system upgrades only.
func checkNix(ctx context.Context, a *app, cfg *config.Config, add addCheck) {
	nix := a.lookPath("nix")
	needed := cfg != nil && cfg.System.Remote != ""
	if nix == "" {
		if needed {
			add("nix", checkError, "nix not found on PATH; system.remote is set, so upgrades need it")
		} else {
			add("nix", checkWarning, "nix not found on PATH (needed only for system upgrades)")
		}
		return
	}
	out, err := exec.CommandContext(ctx, nix, "--version").Output()
	if err != nil {
		add("nix", checkError, "%s --version: %v", nix, err)
		return
	}
	add("nix", checkOK, "%s", strings.TrimSpace(string(out)))
}

// checkAgeKeys reads each age identity file hearth would use, saying how
// many identities it holds, never what they are.
func checkAgeKeys(a *app, cfg *config.Config, add addCheck) {
	files := cfg.Dotfiles.AgeIdentities
	if len(files) == 0 {
		add("age key", checkOK, "dotfiles.age_identities not set (encrypted_ entries are held)")
	}
	for _, f := range files {
		checkAgeFile("dotfiles.age_identities", f, a.inv.Env.UID, add)
	}
	if len(cfg.Secrets.Secrets) > 0 && cfg.Secrets.AgeKeyFile != "" {
		checkAgeFile("secrets.age_key_file", cfg.Secrets.AgeKeyFile, a.inv.Env.UID, add)
	}
}

func checkAgeFile(key, f string, uid int, add addCheck) {
	fi, err := os.Stat(f)
	if err != nil {
		add("age key", checkError, "%s %s: %v", key, f, err)
		return
	}
	b, err := os.ReadFile(f)
	switch {
	case errors.Is(err, fs.ErrPermission) && uid != 0 && key == "secrets.age_key_file":
		add("age key", checkWarning, "%s %s: not readable by this user (the secrets job reads it as root)", key, f)
		return
	case err != nil:
		add("age key", checkError, "%s %s: %v", key, f, err)
		return
	}
	ids, err := age.ParseIdentities(bytes.NewReader(b))
	if err != nil {
		add("age key", checkError, "%s %s: %v", key, f, err)
		return
	}
	if fi.Mode().Perm()&0o077 != 0 {
		add("age key", checkWarning, "%s %s: %d identities, but readable by group or others (mode %#o)", key, f, len(ids), uint32(fi.Mode().Perm()))
		return
	}
	add("age key", checkOK, "%s %s: %d identities", key, f, len(ids))
}

// checkRemote asks the remote for its branches, never for a password.
func checkRemote(ctx context.Context, git, key, url string, add addCheck) {
	name := "remote " + key
	if git == "" {
		add(name, checkError, "%s: git not found", url)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, remoteTimeout)
	defer cancel()
	c := exec.CommandContext(ctx, git, "ls-remote", "--heads", "--", url)
	c.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndex(msg, "\n"); i >= 0 {
			msg = msg[i+1:]
		}
		add(name, checkError, "%s unreachable: %v: %s", url, err, msg)
		return
	}
	add(name, checkOK, "%s reachable", url)
}

// checkUnits looks for the unit files the config calls for where systemd
// loads them (system units as root, user units otherwise).
func checkUnits(a *app, cfg *config.Config, add addCheck) {
	spec, err := a.unitsSpec(cfg, unitsFlags{user: a.inv.Env.UID != 0, onCalendar: units.DefaultOnCalendar})
	if err != nil {
		add("units", checkWarning, "%v", err)
		return
	}
	list, err := units.Generate(spec)
	if err != nil {
		add("units", checkWarning, "%v", err)
		return
	}
	if len(list) == 0 {
		add("units", checkOK, "no job enabled in the config needs a unit")
		return
	}
	dirs := []string{"/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"}
	if spec.User {
		cfgHome := a.inv.Env.Getenv("XDG_CONFIG_HOME")
		if cfgHome == "" {
			cfgHome = filepath.Join(a.inv.Env.Getenv("HOME"), ".config")
		}
		dirs = []string{filepath.Join(cfgHome, "systemd/user"), "/etc/systemd/user", "/usr/lib/systemd/user"}
	}
	var missing []string
	for _, u := range list {
		found := false
		for _, d := range dirs {
			if _, err := os.Stat(filepath.Join(d, u.Name)); err == nil {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, u.Name)
		}
	}
	if len(missing) > 0 {
		add("units", checkWarning, "not installed: %s (see hearth units --install)", strings.Join(missing, ", "))
		return
	}
	add("units", checkOK, "%d unit(s) installed", len(list))
}

// checkSourceClone: uncommitted changes are not wrong (the next sync
// commits them) but worth knowing.
func checkSourceClone(ctx context.Context, git string, cfg *config.Config, add addCheck) {
	dir := cfg.Dotfiles.SourceDir
	if _, err := os.Stat(filepath.Join(dir, ".git")); err != nil {
		add("source", checkWarning, "%s is not a git clone yet (the first sync clones dotfiles.remote)", dir)
		return
	}
	if git == "" {
		add("source", checkError, "%s: git not found", dir)
		return
	}
	out, err := exec.CommandContext(ctx, git, "-C", dir, "status", "--porcelain").Output()
	if err != nil {
		add("source", checkError, "git status in %s: %v", dir, err)
		return
	}
	if n := len(strings.Split(strings.TrimSpace(string(out)), "\n")); len(bytes.TrimSpace(out)) > 0 {
		add("source", checkWarning, "%s has %d uncommitted change(s); the next sync commits them", dir, n)
		return
	}
	add("source", checkOK, "%s clean", dir)
}
