package cli_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/chezmoicfg"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// corpusAnswers answer the prompts of each shared repository's config
// template that have no default (chezmoi init --promptDefaults asks them).
var corpusAnswers = map[string][]string{
	"natelandau": {
		"--promptBool", "Use secrets from 1Password? (true/false)=false",
		"--promptBool", "Is this a personal computer for daily driving? (true/false)=true",
		"--promptBool", "Is this computer in the homelab? (true/false)=false",
		"--promptBool", "Do you do development on this computer? (true/false)=true",
		"--promptString", "Email address=me@example.com",
	},
	"rootiest": {
		"--promptString", "Username=me", "--promptString", "Email=me@example.com", "--promptString", "Full name=Me",
		"--promptString", "GitHub Token=", "--promptString", "GitGuardian Token=", "--promptString", "OpenAI Key=",
		"--promptString", "Wakatime Key=",
		"--promptBool", "Use GUI y/n=n", "--promptBool", "Auto commit y/n=y", "--promptBool", "Auto push y/n=n", "--promptBool", "Use a GUI=n",
		"--promptChoice", "Catppuccin Flavor (default:frappe)=frappe", "--promptChoice", "Catppuccin Accent (default:mauve)=mauve",
	},
	"shunk031": {"--promptString", "Email address=me@example.com", "--promptString", "System (client or server)=client"},
}

// TestInitCorpusConfigMatchesChezmoi: for each shared real repository,
// the config hearth init writes carries the same data (and umask, mode
// and template options) as the one chezmoi init --promptDefaults writes,
// both run for the same home path with the same answers.
func TestInitCorpusConfigMatchesChezmoi(t *testing.T) {
	testutil.RequireProgram(t, "git")
	testutil.RequireProgram(t, "tar")
	chezmoi := realChezmoi(t)
	corpus := sharedCorpus(t)
	tars, _ := filepath.Glob(filepath.Join(corpus, "*.tar.gz"))
	if len(tars) == 0 {
		testutil.Missing(t, "no repositories in "+corpus)
	}
	for _, tarball := range tars {
		name := strings.TrimSuffix(filepath.Base(tarball), ".tar.gz")
		t.Run(name, func(t *testing.T) {
			work := t.TempDir()
			if out, err := exec.Command("tar", "-xzf", tarball, "-C", work).CombinedOutput(); err != nil {
				t.Fatalf("extract %s: %v\n%s", tarball, err, out)
			}
			repo := filepath.Join(work, name)
			// chezmoi v2.62.4 refuses repositories asking for a newer chezmoi.
			_ = exec.Command("sh", "-c", "find "+repo+" -name .chezmoiversion -delete").Run()
			testutil.Git(t, repo, "init", "--quiet", "-b", "main")
			testutil.Git(t, repo, "add", "--all")
			testutil.Git(t, repo, "commit", "--quiet", "-m", "corpus")

			h := initHost(t, "file://"+repo)
			h.Setenv("USER", "root")
			h.Setenv("PATH", "/usr/bin:/bin")
			h.Setenv("LANG", "C.UTF-8")
			args := append([]string{"init", "--promptDefaults"}, corpusAnswers[name]...)
			h.MustRun(t, args...)
			src := filepath.Join(h.Root, "source")
			hearthCfg := movedConfig(t, h.Home, filepath.Join(work, "hearth-config"))

			cmd := exec.Command(chezmoi, append([]string{"init", "--no-tty", "--source", src}, args[1:]...)...)
			cmd.Env = []string{"HOME=" + h.Home, "PATH=/usr/bin:/bin", "USER=root", "LANG=C.UTF-8"}
			cmd.Stdin = strings.NewReader("")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("chezmoi init: %v\n%s", err, out)
			}
			chezmoiCfg := movedConfig(t, h.Home, filepath.Join(work, "chezmoi-config"))
			if filepath.Base(hearthCfg) != filepath.Base(chezmoiCfg) {
				t.Fatalf("hearth wrote %s, chezmoi %s", filepath.Base(hearthCfg), filepath.Base(chezmoiCfg))
			}
			got, want := decodedConfig(t, hearthCfg), decodedConfig(t, chezmoiCfg)
			t.Logf("%d bytes of config compared", len(want))
			if got != want {
				t.Errorf("config differs\nhearth:  %s\nchezmoi: %s", got, want)
			}
		})
	}
}

// movedConfig moves the one chezmoi config under home to dir and returns
// its new path.
func movedConfig(t *testing.T, home, dir string) string {
	t.Helper()
	var found []string
	for _, ext := range chezmoicfg.Extensions {
		p := filepath.Join(home, ".config", "chezmoi", "chezmoi."+ext)
		if _, err := os.Stat(p); err == nil {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one chezmoi config under %s, found %v", home, found)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, filepath.Base(found[0]))
	if err := os.Rename(found[0], dest); err != nil {
		t.Fatal(err)
	}
	return dest
}

// decodedConfig is the config as canonical JSON (the same data in any
// layout compares equal).
func decodedConfig(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := chezmoicfg.Decode(chezmoicfg.Format(path), b)
	if err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	j, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}

// realChezmoi is chezmoi v2.62.4 (testutil.Chezmoi).
func realChezmoi(t *testing.T) string { return testutil.Chezmoi(t) }

// sharedCorpus is ../shared/chezmoi-corpus (testutil.SharedDir).
func sharedCorpus(t *testing.T) string {
	t.Helper()
	c := testutil.SharedDir("chezmoi-corpus", "HEARTH_CHEZMOI_CORPUS", "README.md")
	if c == "" {
		testutil.Missing(t, "the chezmoi corpus (shared/chezmoi-corpus beside the clone, or $HEARTH_CHEZMOI_CORPUS) is absent")
	}
	return c
}
