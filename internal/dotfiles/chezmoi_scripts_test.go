package dotfiles

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// realChezmoi is chezmoi v2.62.4 (testutil.Chezmoi) copied where the
// tests' second uid (nobody) may run it: the cache that scripts/test
// builds it into is under root's home.
func realChezmoi(t *testing.T) string {
	t.Helper()
	src := testutil.Chezmoi(t)
	dir, err := os.MkdirTemp("", "chezmoi-bin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "chezmoi")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestScriptsAgreeWithChezmoi applies one source with run_once_,
// run_onchange_, run_ (before_ and plain) and modify_ (both forms) twice
// with the real chezmoi and twice with hearth, into the same home path
// starting from the same home, both as the home's owner (nobody): the
// homes end identical, runs.log included, which counts every script run.
func TestScriptsAgreeWithChezmoi(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "runs both tools as nobody, the home's owner: needs root (CI runs tests as root)")
	}
	bin := realChezmoi(t)
	testutil.RequireProgram(t, "sed")
	root := t.TempDir()
	for d := root; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	src, home, cz := filepath.Join(root, "src"), filepath.Join(root, "home"), filepath.Join(root, "cz")
	line := "echo %s >> \"$CHEZMOI_DEST_DIR/runs.log\"\n"
	for name, body := range map[string]string{
		"run_once_a.sh":                 "#!/bin/sh\n" + strings.ReplaceAll(line, "%s", "once"),
		"run_onchange_b.sh.tmpl":        "#!/bin/sh\n# {{ .chezmoi.os }}\n" + strings.ReplaceAll(line, "%s", "onchange"),
		"run_c.sh":                      "#!/bin/sh\n" + strings.ReplaceAll(line, "%s", "always"),
		"run_before_d.sh":               "#!/bin/sh\n" + strings.ReplaceAll(line, "%s", "before"),
		"run_after_e.sh":                "#!/bin/sh\n" + strings.ReplaceAll(line, "%s", "after"),
		".chezmoiscripts/run_once_f.sh": "#!/bin/sh\n" + strings.ReplaceAll(line, "%s", "scriptsdir"),
		"run_empty.sh":                  "",
		"modify_dot_conf":               "#!/bin/sh\nsed s/=1/=2/\n",
		"modify_private_dot_new":        "#!/bin/sh\ncat\necho added\n",
		"modify_dot_tpl":                "{{- /* chezmoi:modify-template */ -}}\n{{ .chezmoi.stdin | replace \"old\" \"new\" }}",
		"modify_dot_blank":              "\n",
		"dot_plain":                     "plain\n",
		"remove_dot_gone":               "",
		"remove_dot_d/remove_f":         "",
		"remove_dot_e/remove_f":         "",
		"remove_dot_n/dot_keep":         "keep\n",
	} {
		writeFile(t, filepath.Join(src, name), body, 0o644)
	}
	seed := func() {
		if err := os.RemoveAll(home); err != nil {
			t.Fatal(err)
		}
		for name, body := range map[string]string{".conf": "a=1\n", ".tpl": "old\n", ".blank": "kept\n", ".gone": "x\n",
			".d/f": "x\n", ".e/f": "x\n", ".e/other": "y\n"} {
			writeFile(t, filepath.Join(home, name), body, 0o644)
		}
		chownTree(t, home)
	}
	repl := strings.NewReplacer(home, "$HOME")

	seed()
	if err := os.MkdirAll(cz, 0o755); err != nil {
		t.Fatal(err)
	}
	chownTree(t, cz)
	for range 2 {
		cmd := exec.Command(bin, "apply", "--force", "--no-tty", "--source", src, "--destination", home,
			"--config", filepath.Join(cz, "chezmoi.toml"), "--persistent-state", filepath.Join(cz, "state.boltdb"),
			"--cache", filepath.Join(cz, "cache"))
		cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "USER=nobody", "LANG=C.UTF-8", "TMPDIR=" + cz}
		cmd.Dir = cz
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: []uint32{}}}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("chezmoi apply: %v\n%s", err, out)
		}
	}
	want := dumpTree(t, home, repl)
	// The comparison means something only if chezmoi ran the scripts.
	log, err := os.ReadFile(filepath.Join(home, "runs.log"))
	if err != nil || strings.Count(string(log), "always") != 2 || strings.Count(string(log), "once") != 1 {
		t.Fatalf("chezmoi's runs.log = %q (%v), want always twice and once once", log, err)
	}
	t.Logf("chezmoi ran, in order:\n%s", log)

	seed()
	opts := Options{
		SourceDir: src, TargetDir: home, StatePath: filepath.Join(root, "hearth", "dotfiles.json"),
		Umask: 0o022, Owner: &Owner{UID: nobody, GID: nobody},
	}
	for range 2 {
		rep, err := Apply(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rep.Scripts {
			if r.Result != ScriptRan {
				t.Errorf("hearth: %+v", r)
			}
		}
	}
	got := dumpTree(t, home, repl)
	if string(got) != string(want) {
		t.Errorf("homes differ after two applies (want: chezmoi, got: hearth):\n--- chezmoi\n%s\n--- hearth\n%s", want, got)
	}
}

func chownTree(t *testing.T, dir string) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, nobody, nobody)
	})
	if err != nil {
		t.Fatal(err)
	}
}
