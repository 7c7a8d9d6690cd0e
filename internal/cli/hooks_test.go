package cli_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// hookConfig writes [hooks] whose commands each record their HEARTH_*
// environment in dir/<hook>-<job> and then exit with the status given in
// dir/<hook>.exit (0 when absent).
func hookConfig(t *testing.T, sh, dir string) string {
	t.Helper()
	script := `env | grep ^HEARTH_ | sort > "$1/$HEARTH_HOOK-$HEARTH_JOB"; s=0; [ -f "$1/$HEARTH_HOOK.exit" ] && read s < "$1/$HEARTH_HOOK.exit"; echo hook-output-$HEARTH_HOOK; exit $s`
	var b strings.Builder
	b.WriteString("\n[hooks]\ntimeout = \"30s\"\n")
	for _, k := range []string{"on_success", "on_failure", "on_conflict", "post_deploy"} {
		fmt.Fprintf(&b, "%s = [%q, \"-c\", %q, \"hook\", %q]\n", k, sh, script, dir)
	}
	return b.String()
}

// readHook returns what hook recorded for job ("" when it did not run) and
// removes it, so each step sees only its own runs.
func readHook(t *testing.T, dir, hook, job string) string {
	t.Helper()
	p := filepath.Join(dir, hook+"-"+job)
	b, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(p)
	return string(b)
}

// Hooks run after sync rounds with the event in their environment:
// on_conflict when a round recorded conflicts, on_success otherwise too, and
// on_failure when the round failed. A failing hook changes neither the exit
// status nor the status record.
func TestHooksRunAfterSync(t *testing.T) {
	sh := testutil.RequireProgram(t, "sh")
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	hs := dotfileHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	dir := t.TempDir()
	b.WriteConfig(t, fmt.Sprintf("[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\n", r.FileURL(), filepath.Join(b.Root, "source"), b.Home)+
		hookConfig(t, sh, dir))
	a.MustRun(t, "sync")
	b.MustRun(t, "sync")
	if got := readHook(t, dir, "on_success", "sync"); !strings.Contains(got, "HEARTH_HOST=b\n") || !strings.Contains(got, "HEARTH_RESULT=ok\n") {
		t.Fatalf("on_success after the first sync saw:\n%s", got)
	}

	// Both change one line (appends would merge): b's round records a
	// conflict.
	writeFile(t, filepath.Join(a.Home, ".bashrc"), "export EDITOR=a\nalias ll='ls -l'\n")
	writeFile(t, filepath.Join(b.Home, ".bashrc"), "export EDITOR=b\nalias ll='ls -l'\n")
	a.MustRun(t, "sync")
	// on_success fails: the round's result and exit status stand.
	if err := os.WriteFile(filepath.Join(dir, "on_success.exit"), []byte("7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := b.MustRun(t, "sync", "-v")
	if got := readHook(t, dir, "on_conflict", "sync"); !strings.Contains(got, "HEARTH_CONFLICTS=1\n") || !strings.Contains(got, "HEARTH_HOOK=on_conflict\n") {
		t.Fatalf("on_conflict saw:\n%s\nstderr:\n%s", got, res.Stderr)
	}
	if readHook(t, dir, "on_success", "sync") == "" {
		t.Fatal("on_success did not run after the conflict round")
	}
	if !strings.Contains(res.Stderr, "hook failed") || !strings.Contains(res.Stderr, "hook-output-on_success") {
		t.Errorf("the failing hook and its output were not logged:\n%s", res.Stderr)
	}
	if rec, err := state.ReadRecord(b.StateDir, "sync"); err != nil || rec.Result == state.ResultFailed {
		t.Fatalf("a failing hook changed the record: %+v, %v", rec, err)
	}

	// A failed round runs on_failure (which fails too) and still exits 1.
	if err := os.WriteFile(filepath.Join(dir, "on_failure.exit"), []byte("9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	breakSource(t, b)
	if res := b.Run(t.Context(), "sync"); res.Code != 1 {
		t.Fatalf("sync with a broken source: exit %d\n%s", res.Code, res.Stderr)
	}
	got := readHook(t, dir, "on_failure", "sync")
	if !strings.Contains(got, "HEARTH_RESULT=failed\n") || !strings.Contains(got, "HEARTH_ERROR=") || len(got) == 0 {
		t.Fatalf("on_failure saw:\n%s", got)
	}
	if readHook(t, dir, "on_success", "sync") != "" {
		t.Fatal("on_success ran after a failed round")
	}
}

// breakSource makes the host's source dir unusable: a file where the clone
// should be.
func breakSource(t *testing.T, h *clitest.Host) {
	t.Helper()
	src := filepath.Join(h.Root, "source")
	if err := os.RemoveAll(src); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, []byte("not a dir\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// post_deploy runs after an upgrade that activated a new generation (with
// its commit and generation), not after a no-op round; on_failure runs
// after a rolled-back one.
func TestHooksRunAfterUpgrade(t *testing.T) {
	sh := testutil.RequireProgram(t, "sh")
	env := testutil.Nix(t)
	setNixEnv(t, env)
	repo := testutil.NewNixSystemRepo(t, env)
	dir := t.TempDir()
	h := upgradeHost(t, env, repo, "desk", hookConfig(t, sh, dir))
	v1 := repo.Commit(t, testutil.NixSystem{Version: "v1"})
	h.MustRun(t, "upgrade")
	got := readHook(t, dir, "post_deploy", "upgrade")
	for _, want := range []string{"HEARTH_COMMIT=" + v1 + "\n", "HEARTH_GENERATION=1\n", "HEARTH_RESULT=ok\n", "HEARTH_HOST=desk\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("post_deploy lacks %q:\n%s", want, got)
		}
	}
	if readHook(t, dir, "on_success", "upgrade") == "" {
		t.Error("on_success did not run after the deploy")
	}
	h.MustRun(t, "upgrade")
	if got := readHook(t, dir, "post_deploy", "upgrade"); got != "" {
		t.Errorf("post_deploy ran after a no-op round:\n%s", got)
	}
	bad := repo.Commit(t, testutil.NixSystem{Version: "broken"})
	if r := h.Run(t.Context(), "upgrade"); r.Code != 1 {
		t.Fatalf("broken commit: exit %d\n%s", r.Code, r.Stderr)
	}
	got = readHook(t, dir, "on_failure", "upgrade")
	if !strings.Contains(got, "HEARTH_COMMIT=") || !strings.Contains(got, "not-broken") || readHook(t, dir, "post_deploy", "upgrade") != "" {
		t.Errorf("after the rollback of %s on_failure saw:\n%s", bad, got)
	}
}

// A dotfiles job root runs as the home's owner runs root's hooks as that
// owner too, with the event of the owner's run: root never runs a hook on
// a status record the owner could have written.
func TestHooksRunAsTheHomeOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "running a job as the home's owner needs root (CI runs tests as root)")
	}
	sh := testutil.RequireProgram(t, "sh")
	testutil.RequireProgram(t, "id")
	bin := buildHearthBinary(t)
	root, err := filepath.EvalSymlinks(t.TempDir())
	fatalIf(t, err)
	fatalIf(t, os.Chmod(filepath.Dir(root), 0o711))
	fatalIf(t, os.Chmod(root, 0o711))
	home, src, stateDir, out := filepath.Join(root, "home"), filepath.Join(root, "src"), filepath.Join(root, "state"), filepath.Join(root, "out")
	putFile(t, filepath.Join(src, "dot_profile"), "# profile\n")
	for _, d := range []string{home, stateDir, out} {
		fatalIf(t, os.MkdirAll(d, 0o755))
	}
	chownToNobody(t, src, home, stateDir, out)
	cfg := filepath.Join(root, "config.toml")
	putFile(t, cfg, fmt.Sprintf("host = \"h\"\nstate_dir = %q\n[dotfiles]\nsource_dir = %q\ntarget_dir = %q\n[hooks]\non_success = [%q, \"-c\", \"id -u > $1/uid; echo $HEARTH_JOB $HEARTH_RESULT >> $1/uid\", \"hook\", %q]\n",
		stateDir, src, home, sh, out))
	cmd := exec.Command(bin, "--config", cfg, "apply")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/root"}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("apply as root: %v\n%s", err, b)
	}
	if got := readFile(t, filepath.Join(out, "uid")); got != "65534\napply ok\n" {
		t.Fatalf("the hook recorded %q; want it run once, as nobody (65534), after apply", got)
	}
}
