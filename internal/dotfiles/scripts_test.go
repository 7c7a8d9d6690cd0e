package dotfiles

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const nobody = 65534

// scriptFixture is a fixture whose home belongs to nobody when the test
// runs as root, so that scripts, which never run as root, run as nobody
// (the home's owner); as anyone else they run as the test's user.
func scriptFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, "")
	if os.Geteuid() != 0 {
		return f
	}
	// nobody must reach home through the test's temp dirs.
	for d := filepath.Dir(f.home); d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(f.home, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	f.opts.Owner = &Owner{UID: nobody, GID: nobody}
	return f
}

func (f *fixture) source(t *testing.T, files map[string]string) {
	t.Helper()
	for name, body := range files {
		writeFile(t, filepath.Join(f.src, name), body, 0o644)
	}
}

func (f *fixture) runsLog(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.home, "runs.log"))
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func logScript(word string) string {
	return "#!/bin/sh\necho " + word + " >> \"$CHEZMOI_DEST_DIR/runs.log\"\n"
}

func TestModifyScriptGetsHomeOnStdinAndRunsAsOwner(t *testing.T) {
	f := scriptFixture(t)
	writeFile(t, filepath.Join(f.home, ".conf"), "a=1\n", 0o644)
	f.source(t, map[string]string{"modify_dot_conf": "#!/bin/sh\nsed s/1/2/\necho \"uid=$(id -u)\"\n"})
	rep := mustApply(t, f.opts)
	want := "a=2\nuid=" + map[bool]string{true: "65534", false: strconv.Itoa(os.Geteuid())}[os.Geteuid() == 0] + "\n"
	if got := readFile(t, filepath.Join(f.home, ".conf")); got != want {
		t.Fatalf(".conf = %q, want %q; held:\n%s", got, want, heldText(rep.Held))
	}
	if len(rep.Trashed) != 0 {
		t.Errorf("a modify_ result trashed home's content, which was its input: %+v", rep.Trashed)
	}
}

func TestModifyTemplateRendersStdin(t *testing.T) {
	f := scriptFixture(t)
	writeFile(t, filepath.Join(f.home, ".t"), "colour=old\nkeep\n", 0o644)
	f.source(t, map[string]string{
		"modify_dot_t": "{{- /* chezmoi:modify-template */ -}}\n{{ .chezmoi.stdin | replace \"old\" \"new\" }}",
		// Absent home: the template sees an empty stdin.
		"modify_dot_new": "# chezmoi:modify-template\n{{ if eq .chezmoi.stdin \"\" }}fresh\n{{ else }}{{ .chezmoi.stdin }}{{ end }}",
		// A blank modifier leaves home as it is.
		"modify_dot_same": "  \n",
	})
	writeFile(t, filepath.Join(f.home, ".same"), "untouched\n", 0o600)
	rep := mustApply(t, f.opts)
	for name, want := range map[string]string{".t": "colour=new\nkeep\n", ".new": "fresh\n", ".same": "untouched\n"} {
		if got := readFile(t, filepath.Join(f.home, name)); got != want {
			t.Errorf("%s = %q, want %q; held:\n%s", name, got, want, heldText(rep.Held))
		}
	}
	// Idempotent: a second apply changes nothing.
	if rep := mustApply(t, f.opts); rep.Writes != 0 {
		t.Errorf("second apply wrote %d changes: %v", rep.Writes, rep.Changes)
	}
}

func TestModifyTargetNeverCaptured(t *testing.T) {
	f := scriptFixture(t)
	writeFile(t, filepath.Join(f.home, ".conf"), "a=1\n", 0o644)
	src := "#!/bin/sh\nsed s/1/2/\n"
	f.source(t, map[string]string{"modify_dot_conf": src})
	mustApply(t, f.opts)
	writeFile(t, filepath.Join(f.home, ".conf"), "a=1\nmine\n", 0o644)
	rep := mustCapture(t, f.opts)
	if len(rep.Captured) != 0 || len(rep.SourcePaths) != 0 {
		t.Fatalf("capture took a modify_ target into the source: %+v", rep.Captured)
	}
	if got := readFile(t, filepath.Join(f.src, "modify_dot_conf")); got != src {
		t.Fatalf("modify_ source rewritten: %q", got)
	}
	mustApply(t, f.opts)
	if got := readFile(t, filepath.Join(f.home, ".conf")); got != "a=2\nmine\n" {
		t.Fatalf("the home edit was not the script's input: %q", got)
	}
}

func TestModifyScriptFailureHoldsOnlyItsTarget(t *testing.T) {
	for _, tc := range []struct{ name, body, reason string }{
		{"exit", "#!/bin/sh\nexit 4\n", "exit status 4"},
		{"no shebang", "sed s/1/2/\n", "exec format error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := scriptFixture(t)
			writeFile(t, filepath.Join(f.home, ".conf"), "a=1\n", 0o644)
			f.source(t, map[string]string{"modify_dot_conf": tc.body, "dot_other": "x\n"})
			rep := mustApply(t, f.opts)
			if got := readFile(t, filepath.Join(f.home, ".conf")); got != "a=1\n" {
				t.Errorf(".conf changed by a failed modify_: %q", got)
			}
			if !strings.Contains(heldText(rep.Held), tc.reason) {
				t.Errorf("held = %q, want a reason with %q", heldText(rep.Held), tc.reason)
			}
			if got := readFile(t, filepath.Join(f.home, ".other")); got != "x\n" {
				t.Errorf("the rest was not applied: .other = %q", got)
			}
		})
	}
}

func TestScriptsOffRunsNothing(t *testing.T) {
	f := scriptFixture(t)
	f.opts.Scripts = ScriptsOff
	writeFile(t, filepath.Join(f.home, ".conf"), "a=1\n", 0o644)
	f.source(t, map[string]string{"modify_dot_conf": "#!/bin/sh\nsed s/1/2/\n", "run_x.sh": logScript("x")})
	rep := mustApply(t, f.opts)
	if got := f.runsLog(t); got != "" {
		t.Errorf("a run_ script ran with scripts off: %q", got)
	}
	if got := readFile(t, filepath.Join(f.home, ".conf")); got != "a=1\n" {
		t.Errorf("a modify_ script ran with scripts off: %q", got)
	}
	if !strings.Contains(heldText(rep.Held), "dotfiles.scripts = false") {
		t.Errorf("held = %q", heldText(rep.Held))
	}
}

func TestScriptsNeverRunAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: checks that root never runs a script from the source")
	}
	f := newFixture(t, "") // home owned by root
	f.source(t, map[string]string{"run_x.sh": logScript("x"), "modify_dot_conf": "#!/bin/sh\necho hi\n"})
	rep := mustApply(t, f.opts)
	if got := f.runsLog(t); got != "" {
		t.Fatalf("a script ran as root: %q", got)
	}
	if len(rep.Scripts) != 1 || rep.Scripts[0].Result != ScriptFailed || !strings.Contains(rep.Scripts[0].Error, "never runs a script") {
		t.Errorf("scripts = %+v, want the run_ script reported as not run as root", rep.Scripts)
	}
	if !strings.Contains(heldText(rep.Held), "never runs a script from the source as root") {
		t.Errorf("modify_ not held for root: %q", heldText(rep.Held))
	}
}

func TestScriptsRunOnceOnChangeAndAlways(t *testing.T) {
	f := scriptFixture(t)
	f.source(t, map[string]string{
		"run_a.sh":               logScript("always"),
		"run_once_b.sh":          logScript("once"),
		"run_onchange_c.sh.tmpl": logScript("onchange-{{ .v }}"),
	})
	f.opts.Data["v"] = "1"
	mustApply(t, f.opts)
	if got, want := f.runsLog(t), "always\nonce\nonchange-1\n"; got != want {
		t.Fatalf("first apply ran %q, want %q", got, want)
	}
	mustApply(t, f.opts)
	if got, want := f.runsLog(t), "always\nonce\nonchange-1\nalways\n"; got != want {
		t.Fatalf("second apply ran %q, want %q", got, want)
	}
	// A changed run_onchange_ runs again; a run_once_ renamed with the same
	// content does not (keyed by content, not name).
	f.opts.Data["v"] = "2"
	if err := os.Rename(filepath.Join(f.src, "run_once_b.sh"), filepath.Join(f.src, "run_once_b2.sh")); err != nil {
		t.Fatal(err)
	}
	mustApply(t, f.opts)
	if got, want := f.runsLog(t), "always\nonce\nonchange-1\nalways\nalways\nonchange-2\n"; got != want {
		t.Fatalf("third apply ran %q, want %q", got, want)
	}
}

func TestScriptOrderBeforeDuringAfter(t *testing.T) {
	f := scriptFixture(t)
	check := "#!/bin/sh\nif test -e \"$CHEZMOI_DEST_DIR/.m\"; then echo %s-sees-m; else echo %s-no-m; fi >> \"$CHEZMOI_DEST_DIR/runs.log\"\n"
	f.source(t, map[string]string{
		"run_after_a.sh":  strings.ReplaceAll(check, "%s", "after-a"),
		"run_before_z.sh": strings.ReplaceAll(check, "%s", "before-z"),
		"run_b.sh":        strings.ReplaceAll(check, "%s", "b"),
		"run_zz.sh":       strings.ReplaceAll(check, "%s", "zz"),
		"run_before_y.sh": strings.ReplaceAll(check, "%s", "before-y"),
		"dot_m":           "m\n",
	})
	mustApply(t, f.opts)
	// Target order: .m sorts before b.sh and zz.sh, so both see it.
	want := "before-y-no-m\nbefore-z-no-m\nb-sees-m\nzz-sees-m\nafter-a-sees-m\n"
	if got := f.runsLog(t); got != want {
		t.Fatalf("ran %q, want %q", got, want)
	}
}

func TestFailingScriptBlocksNothing(t *testing.T) {
	f := scriptFixture(t)
	f.source(t, map[string]string{
		"run_once_before_a.sh": "#!/bin/sh\necho 'bad \x1b[31mthing' >&2\nexit 3\n",
		"run_b.sh":             logScript("b"),
		"dot_file":             "f\n",
	})
	rep := mustApply(t, f.opts)
	if got := readFile(t, filepath.Join(f.home, ".file")); got != "f\n" {
		t.Errorf("a failed before_ script blocked the targets: .file = %q", got)
	}
	if got := f.runsLog(t); got != "b\n" {
		t.Errorf("a failed script blocked the next one: ran %q", got)
	}
	if len(rep.Scripts) != 2 || rep.Scripts[0].Result != ScriptFailed || rep.Scripts[0].ExitCode != 3 ||
		rep.Scripts[0].Source != "run_once_before_a.sh" || rep.Scripts[0].Error != "exit status 3" {
		t.Fatalf("scripts = %+v, want the first failed with exit status 3", rep.Scripts)
	}
	// A failed run_once_ script is not marked as run.
	rep = mustApply(t, f.opts)
	if len(rep.Scripts) != 2 || rep.Scripts[0].Result != ScriptFailed {
		t.Errorf("a failed run_once_ script was not tried again: %+v", rep.Scripts)
	}
}

func TestScriptTimeout(t *testing.T) {
	f := scriptFixture(t)
	f.opts.ScriptTimeout = 200 * time.Millisecond
	f.source(t, map[string]string{"run_slow.sh": "#!/bin/sh\nsleep 60 & wait\n", "run_z.sh": logScript("z")})
	rep := mustApply(t, f.opts)
	if len(rep.Scripts) != 2 || rep.Scripts[0].Result != ScriptFailed || !strings.Contains(rep.Scripts[0].Error, "timeout") {
		t.Fatalf("scripts = %+v, want the slow one killed on its timeout", rep.Scripts)
	}
	if got := f.runsLog(t); got != "z\n" {
		t.Errorf("the next script did not run: %q", got)
	}
}

func TestHeldScriptNeverRuns(t *testing.T) {
	f := scriptFixture(t)
	f.source(t, map[string]string{
		"run_bad.sh.tmpl": "#!/bin/sh\necho {{ .missing }} >> runs.log\n",
		"run_ok.sh":       logScript("ok"),
		// A subtree whose .chezmoiignore fails holds its scripts.
		"sub/.chezmoiignore": "{{ .nope }}\n",
		"sub/run_sub.sh":     logScript("sub"),
		"sub/modify_dot_m":   "#!/bin/sh\necho modify >> \"$CHEZMOI_DEST_DIR/runs.log\"\ncat\n",
		// A refused target: its modify_ script neither runs nor reads it.
		"dot_git/modify_config": "#!/bin/sh\necho refused >> \"$CHEZMOI_DEST_DIR/runs.log\"\ncat\n",
	})
	rep := mustApply(t, f.opts)
	if got := f.runsLog(t); got != "ok\n" {
		t.Fatalf("ran %q, want only ok", got)
	}
	held := heldText(rep.Held)
	for _, want := range []string{"bad.sh (run_bad.sh.tmpl): script not run: render", "sub/sub.sh (sub/run_sub.sh): script not run"} {
		if !strings.Contains(held, want) {
			t.Errorf("held = %q, want %q", held, want)
		}
	}
}

func TestChezmoiScriptsDir(t *testing.T) {
	f := scriptFixture(t)
	f.source(t, map[string]string{".chezmoiscripts/run_once_x.sh": logScript("x"), ".chezmoiscripts/sub/run_y.sh": logScript("y")})
	rep := mustApply(t, f.opts)
	// Target order: .chezmoiscripts/sub/y.sh sorts before .chezmoiscripts/x.sh.
	if got := f.runsLog(t); got != "y\nx\n" {
		t.Fatalf("ran %q; held %s", got, heldText(rep.Held))
	}
	if _, err := os.Lstat(filepath.Join(f.home, ".chezmoiscripts")); !os.IsNotExist(err) {
		t.Errorf(".chezmoiscripts made a directory in home: %v", err)
	}
}
