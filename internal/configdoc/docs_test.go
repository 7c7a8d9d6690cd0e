package configdoc_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/cli"
	"github.com/hearth-fleet/hearth/internal/config"
)

// pendingCommands are documented commands whose CLI is still being wired;
// remove an entry once `hearth NAME --help` works.
var pendingCommands = map[string]bool{}

var (
	inlineRe = regexp.MustCompile("`((?:sudo (?:-u \\S+ )?)?hearth [^`]*)`")
	cmdRe    = regexp.MustCompile(`^(?:sudo (?:-u \S+ )?)?hearth `)
	wordRe   = regexp.MustCompile(`^[a-z][a-z-]*$`)
	usageRe  = regexp.MustCompile(`(?m)^Usage:\n  (hearth[^\n]*)`)
)

// TestDocsNameRealCommands checks every `hearth ...` command line in docs/:
// the subcommands exist, extra words are only where the command takes
// arguments, and every --flag is one the command has.
func TestDocsNameRealCommands(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no docs found: %v", err)
	}
	checked := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, m := range inlineRe.FindAllStringSubmatch(string(data), -1) {
			if !strings.Contains(m[1], "<") { // "hearth on <host>" is a name, not a command
				lines = append(lines, m[1])
			}
		}
		lines = append(lines, fencedCommands(string(data))...)
		for _, l := range lines {
			for _, p := range commandProblems(l) {
				t.Errorf("%s: %q: %s", filepath.Base(f), l, p)
			}
			checked++
		}
	}
	if checked < 20 {
		t.Errorf("only %d command lines found in docs/; the extraction is broken", checked)
	}
}

// fencedCommands returns the lines of fenced code blocks that run hearth.
func fencedCommands(doc string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(doc, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "```"):
			in = !in
		case in && cmdRe.MatchString(t):
			out = append(out, t)
		}
	}
	return out
}

// commandProblems says what is wrong with one documented command line.
func commandProblems(line string) []string {
	_, rest, _ := strings.Cut(line, "hearth ")
	var words, flags []string
	for _, tok := range strings.Fields(rest) {
		if strings.ContainsAny(tok, "|#;&") || tok == "--" {
			break
		}
		switch {
		case strings.HasPrefix(tok, "--"):
			name, _, _ := strings.Cut(tok, "=")
			flags = append(flags, strings.TrimRight(name, ",.)"))
		case wordRe.MatchString(tok) && len(flags) == 0:
			words = append(words, tok)
		}
	}
	if len(words) > 0 && pendingCommands[words[0]] {
		return nil
	}
	help := runHelp(words)
	m := usageRe.FindStringSubmatch(help)
	if m == nil {
		return []string{"`hearth " + strings.Join(words, " ") + " --help` shows no usage: " + help}
	}
	usage := strings.Fields(m[1])[1:] // the resolved command path, then its argument syntax
	i := 0
	for i < len(words) && i < len(usage) && usage[i] == words[i] {
		i++
	}
	takesArgs := false
	for _, u := range usage[i:] {
		if u != "[flags]" && u != "[command]" && strings.ToUpper(u) == u {
			takesArgs = true
		}
	}
	var problems []string
	cmd := "`hearth " + strings.Join(words[:i], " ") + "`"
	if i < len(words) && !takesArgs {
		problems = append(problems, words[i]+" is not a subcommand of "+cmd)
	}
	for _, f := range flags {
		if !strings.Contains(help, f+" ") && !strings.Contains(help, f+"\n") {
			problems = append(problems, cmd+" has no flag "+f)
		}
	}
	return problems
}

func TestCommandProblems(t *testing.T) {
	tests := []struct {
		line string
		bad  bool
	}{
		{"hearth sync", false},
		{"sudo -u rain hearth sync", false},
		{"hearth conflicts resolve ID --keep live|sidecar", false},
		{"hearth lock sync -- $SHELL", false},
		{"hearth upgrade --accept-rewrite", false},
		{"hearth --json status", false},
		{"hearth golden shwo", true},
		{"hearth upgrade --dry-rum", true},
		{"hearth synk", true},
		{"hearth status extra", true},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			if got := commandProblems(tc.line); (len(got) > 0) != tc.bad {
				t.Errorf("problems %q, want bad=%v", got, tc.bad)
			}
		})
	}
}

func runHelp(words []string) string {
	var out bytes.Buffer
	cli.Run(context.Background(), cli.Invocation{
		Args:   append(append([]string{}, words...), "--help"),
		Stdin:  strings.NewReader(""),
		Stdout: &out,
		Stderr: &out,
		Env:    config.Env{Getenv: func(string) string { return "" }},
	})
	return out.String()
}
