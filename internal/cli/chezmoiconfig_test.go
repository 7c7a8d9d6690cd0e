package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestChezmoiConfigDataUmaskAndOptionsApply: the chezmoi config in the
// home's ~/.config/chezmoi gives the data templates use, its umask masks
// what is written and its template.options apply; dotfiles.data merges over
// its data (nested tables merge, values replace), and both win over
// .chezmoidata.
func TestChezmoiConfigDataUmaskAndOptionsApply(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{
		".chezmoidata.yaml":  "email: from-chezmoidata\nonly: data-file\n",
		"dot_gitconfig.tmpl": "email = {{ .email }}\nname = {{ .name }}\nnest = {{ .nest.a }}-{{ .nest.b }}\nonly = {{ .only }}\n",
		"dot_zero.tmpl":      "[{{ .missing }}]\n",
		"dot_plain":          "p\n",
	})
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	cfg := readFile(t, h.Config)
	h.WriteConfig(t, strings.SplitN(cfg, "\n", 3)[2]+"[dotfiles.data]\nname = \"from hearth\"\n[dotfiles.data.nest]\nb = \"hb\"\n")
	czDir := filepath.Join(h.Home, ".config", "chezmoi")
	if err := os.MkdirAll(czDir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeCz := func(body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(czDir, "chezmoi.toml"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeCz("umask = 0o077\n[template]\noptions = [\"missingkey=zero\"]\n[data]\nemail = \"me@example.com\"\nname = \"from chezmoi\"\n[data.nest]\na = \"ca\"\nb = \"cb\"\n")
	h.MustRun(t, "sync")
	want := "email = me@example.com\nname = from hearth\nnest = ca-hb\nonly = data-file\n"
	if got := readFileOr(filepath.Join(h.Home, ".gitconfig")); got != want {
		t.Errorf(".gitconfig = %q, want %q", got, want)
	}
	if got := readFileOr(filepath.Join(h.Home, ".zero")); got != "[<no value>]\n" {
		t.Errorf(".zero = %q: missingkey=zero from template.options not honoured", got)
	}
	fi, err := os.Stat(filepath.Join(h.Home, ".plain"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf(".plain mode %v, want 0600 (umask 077 from the chezmoi config)", fi.Mode().Perm())
	}

	// A malformed chezmoi config holds the round, naming the file and key,
	// and changes nothing in home.
	writeCz("umask = \"abc\"\n[data]\nemail = \"changed@example.com\"\n")
	res := h.Run(t.Context(), "apply")
	out := res.Stdout + res.Stderr
	if !strings.Contains(out, filepath.Join(czDir, "chezmoi.toml")) || !strings.Contains(out, "key umask") {
		t.Errorf("apply with a bad chezmoi config: exit %d, output does not name the file and key:\n%s", res.Code, out)
	}
	if got := readFileOr(filepath.Join(h.Home, ".gitconfig")); got != want {
		t.Errorf(".gitconfig changed to %q under a bad chezmoi config", got)
	}
	writeCz("[data\n")
	res = h.Run(t.Context(), "sync")
	if out := res.Stdout + res.Stderr; !strings.Contains(out, "chezmoi.toml") || strings.Contains(out, "panic") {
		t.Errorf("sync with an unparsable chezmoi config: exit %d\n%s", res.Code, out)
	}
}
