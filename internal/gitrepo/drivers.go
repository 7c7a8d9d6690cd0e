package gitrepo

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// Filter, diff and merge drivers are programs a repository's config names
// and its .gitattributes selects per path; a pushed .gitattributes picks
// which one runs. Git has no switch that turns them all off, so hearth
// finds the names the config defines and gives each an empty command on the
// command line, which beats every config file: filters and textconv are
// skipped, a merge driver fails and the path conflicts.

var driverSection = regexp.MustCompile(`(?im)^\s*\[\s*(filter|diff|merge)(?:\s+"((?:[^"\\\n]|\\.)*)"|\.([^\]\s]+))\s*\]`)

// driversInConfig lists "kind.name" for every driver section of a config
// file's text.
func driversInConfig(cfg string) []string {
	var out []string
	for _, m := range driverSection.FindAllStringSubmatch(cfg, -1) {
		name := m[2]
		if m[3] != "" {
			name = strings.ToLower(m[3]) // the old [kind.name] form is case-insensitive
		}
		name = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(name)
		out = append(out, strings.ToLower(m[1])+"."+name)
	}
	return out
}

// driversFromGit asks git for the drivers of a config with includes.
func (r *Repo) driversFromGit(ctx context.Context) ([]string, error) {
	out, _, err := r.runCode(ctx, call{args: []string{"config", "--includes", "--name-only", "--get-regexp", `^(filter|diff|merge)\.`}, okExit: []int{1}})
	if err != nil {
		return nil, err
	}
	var names []string
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		i := strings.LastIndexByte(line, '.')
		if i <= 0 || strings.Count(line[:i], ".") < 1 {
			continue
		}
		names = append(names, line[:i])
	}
	return names, nil
}

// setDrivers turns names ("filter.x", …) into the overriding arguments.
func (r *Repo) setDrivers(names []string) error {
	seen := map[string]bool{}
	r.driverArgs = nil
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		if strings.ContainsAny(n, "=\n\x00") {
			return fmt.Errorf("git repository %s: config defines driver %q, which hearth cannot switch off: %w", r.Dir(), n, ErrForeignOwner)
		}
		kind, _, _ := strings.Cut(n, ".")
		var keys []string
		switch kind {
		case "filter":
			keys = []string{"clean=", "smudge=", "process=", "required=false"}
		case "diff":
			keys = []string{"textconv=", "command="}
		case "merge":
			keys = []string{"driver=false"}
		}
		for _, k := range keys {
			r.driverArgs = append(r.driverArgs, "-c", n+"."+k)
		}
	}
	return nil
}
