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

const fakeKey = "FAKE-PRIVATE-KEY-8c1f0e"

// TestTargetInsideSourceIsRefused: the remote adds a template whose target
// lies inside the host's source dir and includes ~/.ssh/id_ed25519, and a
// file inside a .git dir. After rounds on host A, no commit of the remote
// holds the key, the source has no loot, no hook was planted, and status
// shows the targets held as refused.
func TestTargetInsideSourceIsRefused(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	a := clitest.NewHost(t, "a")
	source := filepath.Join(a.Home, ".local", "share", "chezmoi")
	a.WriteConfig(t, fmt.Sprintf("[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\n", r.FileURL(), source, a.Home))
	if err := os.MkdirAll(filepath.Join(a.Home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(a.Home, ".ssh", "id_ed25519"), []byte(fakeKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(a.Home, "project", ".git", "hooks"), 0o755); err != nil {
		t.Fatal(err)
	}
	a.MustRun(t, "sync")
	pushTree(t, r, map[string]string{
		"dot_local/share/chezmoi/loot.tmpl":              `{{ include (joinPath .chezmoi.homeDir ".ssh/id_ed25519") }}`,
		"project/dot_git/hooks/executable_post-checkout": "#!/bin/sh\necho pwned\n",
	}, nil)
	for range 3 {
		a.MustRun(t, "sync")
	}
	if out, _ := testutil.GitErr(r.Dir, "log", "--all", "-p", "--format=%H"); strings.Contains(out, fakeKey) {
		t.Fatal("the key reached the remote")
	}
	if _, err := os.Lstat(filepath.Join(source, "loot")); err == nil {
		t.Error("loot written into the source dir")
	}
	if _, err := os.Lstat(filepath.Join(a.Home, "project", ".git", "hooks", "post-checkout")); err == nil {
		t.Error("a hook was planted in a .git dir")
	}
	held := heldTargets(t, a)
	for _, target := range []string{".local/share/chezmoi", "project/.git"} {
		if !strings.Contains(held[target], "refused") {
			t.Errorf("status: %s held for %q, want refused (held: %v)", target, held[target], held)
		}
	}
}

// TestTemplateCommandsOff: with dotfiles.template_commands = false a
// template calling output is held naming the function and the file, and
// the program never runs, in sync, diff and status alike; status never
// runs it even when commands are on.
func TestTemplateCommandsOff(t *testing.T) {
	testutil.RequireProgram(t, "git")
	testutil.RequireProgram(t, "sh")
	marker := filepath.Join(t.TempDir(), "ran")
	r := testutil.NewRemote(t)
	seed := map[string]string{"dot_cmd.tmpl": `{{ output "sh" "-c" "echo x >> ` + marker + `" }}`}
	for k, v := range dotfilesSeed {
		seed[k] = v
	}
	r.SeedMain(t, seed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.WriteConfig(t, fmt.Sprintf("[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\ntemplate_commands = false\n",
		r.FileURL(), filepath.Join(h.Root, "source"), h.Home))
	out := h.MustRun(t, "sync").Stdout
	if !strings.Contains(out, "held .cmd:") || !strings.Contains(out, "output") || !strings.Contains(out, "dot_cmd.tmpl") {
		t.Errorf("sync does not hold .cmd naming output and dot_cmd.tmpl:\n%s", out)
	}
	h.MustRun(t, "diff")
	h.MustRun(t, "status")
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a command ran with template_commands = false")
	}
	if readFile(t, filepath.Join(h.Home, ".bashrc")) == "" {
		t.Error("other entries not applied")
	}
	h.WriteConfig(t, fmt.Sprintf("[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\n",
		r.FileURL(), filepath.Join(h.Root, "source"), h.Home))
	h.MustRun(t, "status")
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("status ran a template command")
	}
}
