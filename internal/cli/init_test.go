package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// initTemplate exercises every prompt function and its Once form.
const initTemplate = `{{- $email := promptStringOnce . "email" "Email address" -}}
{{- $name := promptString "Full name" "Nobody" -}}
{{- $gui := promptBoolOnce . "gui" "Use a GUI" true -}}
{{- $work := promptBool "Work machine" -}}
{{- $cores := promptIntOnce . "cores" "Cores" 4 -}}
{{- $shell := promptChoice "Shell" (list "bash" "zsh" "fish") "zsh" -}}
{{- $theme := promptChoiceOnce . "theme" "Theme" (list "dark" "light") -}}
[data]
email = {{ $email | quote }}
name = {{ $name | quote }}
gui = {{ $gui }}
work = {{ $work }}
cores = {{ $cores }}
shell = {{ $shell | quote }}
theme = {{ $theme | quote }}
`

func initHost(t *testing.T, url string) *clitest.Host {
	t.Helper()
	h := clitest.NewHost(t, "a")
	h.WriteConfig(t, fmt.Sprintf("[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\n", url, filepath.Join(h.Root, "source"), h.Home))
	return h
}

// TestInitClonesAndWritesTheConfig: hearth init clones the remote, renders
// its .chezmoi.toml.tmpl with the given answers and the defaults, writes
// ~/.config/chezmoi/chezmoi.toml (0600), and the next round's templates see
// its data. A second init keeps the ...Once answers already in the config.
func TestInitClonesAndWritesTheConfig(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{
		".chezmoi.toml.tmpl": initTemplate,
		"dot_gitconfig.tmpl": "{{ .email }} {{ .name }} {{ .gui }} {{ .work }} {{ .cores }} {{ .shell }} {{ .theme }}\n",
	})
	h := initHost(t, r.FileURL())
	res := h.MustRun(t, "init", "--promptDefaults", "--promptString", "Email address=me@example.com",
		"--promptBool", "Work machine=yes", "--promptChoice", "Theme=light")
	cfgPath := filepath.Join(h.Home, ".config", "chezmoi", "chezmoi.toml")
	if !strings.Contains(res.Stdout, "wrote "+cfgPath) {
		t.Errorf("init output does not name the config written:\n%s", res.Stdout)
	}
	if _, err := os.Stat(filepath.Join(h.Root, "source", ".git")); err != nil {
		t.Fatalf("init did not clone: %v", err)
	}
	fi, err := os.Stat(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v, want 0600", fi.Mode().Perm())
	}
	h.MustRun(t, "sync")
	want := "me@example.com Nobody true true 4 zsh light\n"
	if got := readFileOr(filepath.Join(h.Home, ".gitconfig")); got != want {
		t.Errorf(".gitconfig = %q, want %q", got, want)
	}

	// Again, answering only what has no Once value: the config's answers stay.
	h.MustRun(t, "init", "--promptDefaults", "--promptBool", "Work machine=no")
	if got := readFile(t, cfgPath); !strings.Contains(got, `email = "me@example.com"`) || !strings.Contains(got, `theme = "light"`) || !strings.Contains(got, "work = false") {
		t.Errorf("second init lost the Once answers or ignored the new one:\n%s", got)
	}
}

// TestInitUnansweredPromptIsAnErrorNamingIt: with no terminal, a prompt
// with neither an answer nor (under --promptDefaults) a default fails init,
// naming the prompt, and writes no config.
func TestInitUnansweredPromptIsAnErrorNamingIt(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{".chezmoi.toml.tmpl": initTemplate})
	h := initHost(t, r.FileURL())
	for _, args := range [][]string{
		{"init", "--promptDefaults"},                  // Email address has no default
		{"init", "--promptString", "Email address=x"}, // Full name: default, but no --promptDefaults
		{"init", "--promptDefaults", "--promptString", "Email address=x", "--promptBool", "Work machine=maybe"}, // not a boolean
	} {
		res := h.Run(t.Context(), args...)
		if res.Code == 0 {
			t.Errorf("hearth %v: exit 0, want a failure", args)
		}
		if !strings.Contains(res.Stderr, "Email address") && !strings.Contains(res.Stderr, "Full name") && !strings.Contains(res.Stderr, "Work machine") {
			t.Errorf("hearth %v: error does not name the prompt:\n%s", args, res.Stderr)
		}
		if _, err := os.Stat(filepath.Join(h.Home, ".config", "chezmoi", "chezmoi.toml")); err == nil {
			t.Errorf("hearth %v wrote a config", args)
		}
	}
}

// TestInitTemplateExit: a config template calling exit stops init with that
// status and writes no config; exit 0 stops it successfully.
func TestInitTemplateExit(t *testing.T) {
	testutil.RequireProgram(t, "git")
	for _, code := range []int{0, 3} {
		r := testutil.NewRemote(t)
		r.SeedMain(t, map[string]string{".chezmoi.toml.tmpl": fmt.Sprintf("{{ if stdinIsATTY }}[data]{{ else }}{{ exit %d }}{{ end }}\n", code)})
		h := initHost(t, r.FileURL())
		res := h.Run(t.Context(), "init")
		if res.Code != code {
			t.Errorf("exit %d in the template: hearth init exit %d\n%s", code, res.Code, res.Stderr)
		}
		if _, err := os.Stat(filepath.Join(h.Home, ".config", "chezmoi", "chezmoi.toml")); err == nil {
			t.Errorf("exit %d: a config was written", code)
		}
	}
}
